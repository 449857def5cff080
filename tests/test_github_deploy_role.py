"""GithubDeployRole: who may assume the CI role (trust conditions) and what it may do (the
permissions `pulumi up` of the real stack needs, and nothing that lets it widen itself)."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from types import SimpleNamespace
from typing import Any

import pytest

from groundwork.components.github_deploy_role import (
    GITHUB_OIDC_HOST,
    INLINE_POLICY_MAX_CHARS,
    READ_VERBS,
    GithubDeployRoleArgs,
    GithubDeployRoleSettings,
    GithubPreviewRoleArgs,
    StackServices,
    deploy_policies,
    policy_size,
    preview_policy,
    preview_trust_policy,
    search_domain_pattern,
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


@pytest.fixture(scope="module")
def prod_ci_stores() -> PlanResult:
    """prod with CI and the optional data services on (search creating its service-linked
    role), all used by the api."""
    from conftest import DATA_SERVICES_ON, services_using

    return plan_stack("prod", overrides={
        **DATA_SERVICES_ON, "search": {"enabled": True, "create_service_linked_role": True},
        "services": services_using("prod", "api", use_search=True, use_documents=True,
                                   use_kafka=True),
        "ci": CI})


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


def _condition_holds(condition: dict[str, dict[str, Any]], context: dict[str, Any]) -> bool:
    """The operators the roles use, as IAM evaluates them against a request context."""
    for operator, keys in condition.items():
        base = operator.rpartition(":")[2]
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        for key, want in keys.items():
            have = context.get(key)
            if have is None:
                if if_exists:
                    continue
                return False
            pairs = [(str(h), str(w)) for h in _as_list(have) for w in _as_list(want)]
            if base in ("StringEquals", "ArnEquals", "Bool"):
                ok = any(h == w for h, w in pairs)
            elif base in ("StringLike", "ArnLike"):
                ok = any(fnmatchcase(h, w) for h, w in pairs)
            else:
                raise AssertionError(f"the evaluator does not know {operator}")
            if not ok:
                return False
    return True


def allowed(policies: dict[str, dict[str, Any]], action: str, arn: str,
            context: dict[str, Any] | None = None) -> bool:
    """Whether the policies allow `action` on `arn`. Without `context` conditions are not
    evaluated (the widest reading); with one, Allow statements' conditions must hold in it."""
    def matches(patterns: Any, value: str, *, ci: bool = False) -> bool:
        if ci:
            return any(fnmatchcase(value.lower(), p.lower()) for p in _as_list(patterns))
        return any(fnmatchcase(value, p) for p in _as_list(patterns))

    statements = [s for doc in policies.values() for s in doc["Statement"]]
    for s in statements:
        # a Deny is read as unconditional and an Allow needs Action and Resource: anything else
        # would make a refusal below pass without the policies refusing it
        assert "NotResource" not in s and (s["Effect"] == "Allow" or "Condition" not in s), s
        assert s["Effect"] == "Deny" or "NotAction" not in s, s
        if s["Effect"] == "Deny" and matches(s["Resource"], arn):
            if "NotAction" in s and not matches(s["NotAction"], action, ci=True):
                return False
            if "Action" in s and matches(s["Action"], action, ci=True):
                return False
    return any(s["Effect"] == "Allow" and "Action" in s and matches(s["Action"], action, ci=True)
               and matches(s["Resource"], arn)
               and (context is None or _condition_holds(s.get("Condition") or {}, context))
               for s in statements)


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
        "aws:lb/listenerRule:ListenerRule": (
            "elasticloadbalancing:CreateRule",
            lambda i: f"arn:aws:elasticloadbalancing:{r}:{a}:listener-rule/app/{lb_name}/0123abcd/4567/89ef"),
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
        "aws:lambda/function:Function": (
            "lambda:CreateFunction", lambda i: f"arn:aws:lambda:{r}:{a}:function:{i['name']}"),
        "aws:ecr/repository:Repository": (
            "ecr:CreateRepository", lambda i: f"arn:aws:ecr:{r}:{a}:repository/{i['name']}"),
        "aws:kms/alias:Alias": ("kms:CreateAlias", lambda i: f"arn:aws:kms:{r}:{a}:{i['name']}"),
        "aws:sqs/queue:Queue": ("sqs:CreateQueue", lambda i: f"arn:aws:sqs:{r}:{a}:{i['name']}"),
        "aws:opensearch/domain:Domain": (
            "es:CreateDomain", lambda i: f"arn:aws:es:{r}:{a}:domain/{i['domainName']}"),
        "aws:docdb/cluster:Cluster": (
            "rds:CreateDBCluster", lambda i: f"arn:aws:rds:{r}:{a}:cluster:{i['clusterIdentifier']}"),
        "aws:docdb/clusterInstance:ClusterInstance": (
            "rds:CreateDBInstance", lambda i: f"arn:aws:rds:{r}:{a}:db:{i['identifier']}"),
        "aws:docdb/clusterParameterGroup:ClusterParameterGroup": (
            "rds:CreateDBClusterParameterGroup",
            lambda i: f"arn:aws:rds:{r}:{a}:cluster-pg:{i['namePrefix']}x1"),
        "aws:docdb/subnetGroup:SubnetGroup": (
            "rds:CreateDBSubnetGroup", lambda i: f"arn:aws:rds:{r}:{a}:subgrp:{i['name']}"),
        "aws:msk/cluster:Cluster": (
            "kafka:DescribeClusterV2",
            lambda i: f"arn:aws:kafka:{r}:{a}:cluster/{i['clusterName']}/0123abcd-4567-89ef-2"),
        "aws:msk/serverlessCluster:ServerlessCluster": (
            "kafka:DescribeClusterV2",
            lambda i: f"arn:aws:kafka:{r}:{a}:cluster/{i['clusterName']}/0123abcd-4567-89ef-s"),
        "aws:msk/configuration:Configuration": (
            "kafka:DescribeConfiguration",
            lambda i: f"arn:aws:kafka:{r}:{a}:configuration/{i['name']}/0123abcd-4567-89ef-2"),
        "aws:wafv2/webAcl:WebAcl": ("wafv2:CreateWebACL", lambda i: _waf_arn(i, "webacl")),
        "aws:wafv2/ipSet:IpSet": ("wafv2:CreateIPSet", lambda i: _waf_arn(i, "ipset")),
    }
    out = []
    for record in plan.custom_resources:
        if record.type in builders and not record.parent.endswith(("::ci", "::ci-preview")):
            action, build = builders[record.type]
            out.append((f"{record.type.split(':')[-1]} {record.name}", action, build(record.inputs)))
    return out


def _waf_arn(inputs: dict[str, Any], kind: str) -> str:
    """A web ACL's or IP set's ARN as WAF makes it: REGIONAL ones in the stack's region,
    CLOUDFRONT-scope ones `global/` in us-east-1."""
    scope, where = ("global", "us-east-1") if inputs["scope"] == "CLOUDFRONT" else ("regional", REGION)
    return f"arn:aws:wafv2:{where}:{ACCOUNT}:{scope}/{kind}/{inputs['name']}/0123abcd-4567"


def test_the_role_may_create_every_named_resource_of_the_real_stack(prod_ci):
    policies = policies_of(prod_ci)
    arns = _arns(prod_ci)
    assert len(arns) > 60  # the whole stack, not a handful
    refused = [(what, action, arn) for what, action, arn in arns if not allowed(policies, action, arn)]
    assert refused == []


# what deploying each resource type takes: (action, resource) per create/update/delete step;
# `{arn}` is the record's own ARN where the type has a named one (see _arns), `{key}` a KMS key of
# the stack, `{x}` an input of the record. Every aws type of the prod plan must be listed here.
EC2 = f"arn:aws:ec2:{REGION}:{ACCOUNT}"
BACKUP_VAULT = f"arn:aws:backup:{{region}}:{ACCOUNT}:backup-vault:{{vault}}"
BACKUP_PLAN = f"arn:aws:backup:{{region}}:{ACCOUNT}:backup-plan:0123abcd-4567"
RESTORE_TESTING = f"arn:aws:backup:{{region}}:{ACCOUNT}:restore-testing-plan:{{restoreTesting}}-0123abcd"
RESTORE_TESTING_SELECTION = RESTORE_TESTING + ":restoretestingselection:{name}"
RULE_OF_TARGET = f"arn:aws:events:{{region}}:{ACCOUNT}:rule/{{rule}}"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OPERATIONS: dict[str, list[tuple[str, str]]] = {
    "aws:ec2/vpc:Vpc": [("ec2:CreateVpc", f"{EC2}:vpc/vpc-1"), ("ec2:ModifyVpcAttribute", f"{EC2}:vpc/vpc-1"),
                        ("ec2:DeleteVpc", f"{EC2}:vpc/vpc-1"), ("ec2:DescribeVpcs", "*")],
    "aws:ec2/subnet:Subnet": [("ec2:CreateSubnet", f"{EC2}:subnet/subnet-1"),
                              ("ec2:CreateSubnet", f"{EC2}:vpc/vpc-1"),
                              ("ec2:ModifySubnetAttribute", f"{EC2}:subnet/subnet-1"),
                              ("ec2:DeleteSubnet", f"{EC2}:subnet/subnet-1")],
    "aws:ec2/securityGroup:SecurityGroup": [
        ("ec2:CreateSecurityGroup", f"{EC2}:security-group/sg-1"),
        ("ec2:RevokeSecurityGroupEgress", f"{EC2}:security-group/sg-1"),
        ("ec2:DeleteSecurityGroup", f"{EC2}:security-group/sg-1")],
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": [
        ("ec2:RevokeSecurityGroupIngress", f"{EC2}:security-group/sg-default"),
        ("ec2:RevokeSecurityGroupEgress", f"{EC2}:security-group/sg-default")],
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": [
        ("ec2:CreateNetworkAclEntry", f"{EC2}:network-acl/acl-1"),
        ("ec2:ReplaceNetworkAclEntry", f"{EC2}:network-acl/acl-1"),
        ("ec2:DeleteNetworkAclEntry", f"{EC2}:network-acl/acl-1"),
        ("ec2:ReplaceNetworkAclAssociation", f"{EC2}:network-acl/acl-1")],
    "aws:ec2/routeTable:RouteTable": [("ec2:CreateRouteTable", f"{EC2}:route-table/rtb-1"),
                                      ("ec2:DeleteRouteTable", f"{EC2}:route-table/rtb-1")],
    "aws:ec2/route:Route": [("ec2:CreateRoute", f"{EC2}:route-table/rtb-1"),
                            ("ec2:ReplaceRoute", f"{EC2}:route-table/rtb-1"),
                            ("ec2:DeleteRoute", f"{EC2}:route-table/rtb-1")],
    "aws:ec2/routeTableAssociation:RouteTableAssociation": [
        ("ec2:AssociateRouteTable", f"{EC2}:route-table/rtb-1"),
        ("ec2:AssociateRouteTable", f"{EC2}:subnet/subnet-1"),
        ("ec2:DisassociateRouteTable", f"{EC2}:route-table/rtb-1")],
    "aws:ec2/internetGateway:InternetGateway": [
        ("ec2:CreateInternetGateway", f"{EC2}:internet-gateway/igw-1"),
        ("ec2:AttachInternetGateway", f"{EC2}:internet-gateway/igw-1"),
        ("ec2:DetachInternetGateway", f"{EC2}:internet-gateway/igw-1"),
        ("ec2:DeleteInternetGateway", f"{EC2}:internet-gateway/igw-1")],
    "aws:ec2/natGateway:NatGateway": [("ec2:CreateNatGateway", f"{EC2}:natgateway/nat-1"),
                                      ("ec2:CreateNatGateway", f"{EC2}:subnet/subnet-1"),
                                      ("ec2:DeleteNatGateway", f"{EC2}:natgateway/nat-1")],
    "aws:ec2/eip:Eip": [("ec2:AllocateAddress", f"{EC2}:elastic-ip/eipalloc-1"),
                        ("ec2:ReleaseAddress", f"{EC2}:elastic-ip/eipalloc-1")],
    "aws:ec2/vpcEndpoint:VpcEndpoint": [
        ("ec2:CreateVpcEndpoint", f"{EC2}:vpc-endpoint/vpce-1"),
        ("ec2:CreateVpcEndpoint", f"{EC2}:route-table/rtb-1"),
        ("ec2:ModifyVpcEndpoint", f"{EC2}:vpc-endpoint/vpce-1"),
        ("ec2:DeleteVpcEndpoints", f"{EC2}:vpc-endpoint/vpce-1")],
    "aws:ec2/vpcBlockPublicAccessExclusion:VpcBlockPublicAccessExclusion": [
        ("ec2:CreateVpcBlockPublicAccessExclusion", f"{EC2}:vpc-block-public-access-exclusion/exclusion-1"),
        ("ec2:CreateVpcBlockPublicAccessExclusion", f"{EC2}:subnet/subnet-1"),
        ("ec2:DeleteVpcBlockPublicAccessExclusion", f"{EC2}:vpc-block-public-access-exclusion/exclusion-1")],
    "aws:ec2/flowLog:FlowLog": [("ec2:CreateFlowLogs", f"{EC2}:vpc-flow-log/fl-1"),
                                ("ec2:CreateFlowLogs", f"{EC2}:vpc/vpc-1"),
                                ("ec2:DeleteFlowLogs", f"{EC2}:vpc-flow-log/fl-1"),
                                ("iam:PassRole", "{iamRoleArn}")],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
        ("ec2:AuthorizeSecurityGroupIngress", f"{EC2}:security-group/sg-1"),
        ("ec2:AuthorizeSecurityGroupIngress", f"{EC2}:security-group-rule/sgr-1"),
        ("ec2:RevokeSecurityGroupIngress", f"{EC2}:security-group/sg-1")],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
        ("ec2:AuthorizeSecurityGroupEgress", f"{EC2}:security-group/sg-1"),
        ("ec2:RevokeSecurityGroupEgress", f"{EC2}:security-group/sg-1")],
    "aws:ecs/cluster:Cluster": [("ecs:CreateCluster", "{arn}"), ("ecs:UpdateCluster", "{arn}"),
                                ("ecs:DeleteCluster", "{arn}"), ("ecs:DescribeClusters", "*")],
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": [
        ("ecs:PutClusterCapacityProviders", f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{{clusterName}}")],
    "aws:ecs/service:Service": [("ecs:CreateService", "{arn}"), ("ecs:UpdateService", "{arn}"),
                                ("ecs:DeleteService", "{arn}"), ("ecs:DescribeServices", "*")],
    "aws:ecs/taskDefinition:TaskDefinition": [
        ("ecs:RegisterTaskDefinition", "*"), ("ecs:DeregisterTaskDefinition", "*"),
        ("ecs:DescribeTaskDefinition", "*"), ("iam:PassRole", "{executionRoleArn}"),
        ("iam:PassRole", "{taskRoleArn}")],
    "aws:lb/loadBalancer:LoadBalancer": [
        ("elasticloadbalancing:CreateLoadBalancer", "{arn}"),
        ("elasticloadbalancing:ModifyLoadBalancerAttributes", "{arn}"),
        ("elasticloadbalancing:AddTags", "{arn}"), ("elasticloadbalancing:DeleteLoadBalancer", "{arn}"),
        ("elasticloadbalancing:DescribeLoadBalancers", "*")],
    "aws:lb/targetGroup:TargetGroup": [
        ("elasticloadbalancing:CreateTargetGroup", "{arn}"),
        ("elasticloadbalancing:ModifyTargetGroupAttributes", "{arn}"),
        ("elasticloadbalancing:DeleteTargetGroup", "{arn}")],
    "aws:lb/listener:Listener": [("elasticloadbalancing:CreateListener", "{arn}"),
                                 ("elasticloadbalancing:ModifyListener", "{arn}"),
                                 ("elasticloadbalancing:DeleteListener", "{arn}")],
    "aws:lb/listenerRule:ListenerRule": [("elasticloadbalancing:CreateRule", "{arn}"),
                                         ("elasticloadbalancing:ModifyRule", "{arn}"),
                                         ("elasticloadbalancing:DeleteRule", "{arn}")],
    "aws:rds/instance:Instance": [("rds:CreateDBInstance", "{arn}"), ("rds:ModifyDBInstance", "{arn}"),
                                  ("rds:DeleteDBInstance", "{arn}"), ("rds:DescribeDBInstances", "*"),
                                  ("rds:CreateDBSnapshot", "{snapshot}"),
                                  ("iam:PassRole", "{monitoringRoleArn}"),
                                  ("kms:CreateGrant", KEY_ARN), ("kms:DescribeKey", KEY_ARN),
                                  ("secretsmanager:CreateSecret",
                                   f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-1-AbCdEf")],
    "aws:rds/parameterGroup:ParameterGroup": [("rds:CreateDBParameterGroup", "{arn}"),
                                              ("rds:ModifyDBParameterGroup", "{arn}"),
                                              ("rds:DeleteDBParameterGroup", "{arn}")],
    "aws:rds/subnetGroup:SubnetGroup": [("rds:CreateDBSubnetGroup", "{arn}"),
                                        ("rds:DeleteDBSubnetGroup", "{arn}")],
    "aws:rds/eventSubscription:EventSubscription": [("rds:CreateEventSubscription", "{arn}"),
                                                    ("rds:ModifyEventSubscription", "{arn}"),
                                                    ("rds:DeleteEventSubscription", "{arn}")],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        ("elasticache:CreateReplicationGroup", "{arn}"), ("elasticache:ModifyReplicationGroup", "{arn}"),
        ("elasticache:DeleteReplicationGroup", "{arn}"), ("elasticache:DescribeReplicationGroups", "*"),
        ("kms:CreateGrant", KEY_ARN)],
    "aws:elasticache/parameterGroup:ParameterGroup": [
        ("elasticache:CreateCacheParameterGroup", "{arn}"),
        ("elasticache:ModifyCacheParameterGroup", "{arn}"),
        ("elasticache:DeleteCacheParameterGroup", "{arn}")],
    "aws:elasticache/subnetGroup:SubnetGroup": [("elasticache:CreateCacheSubnetGroup", "{arn}"),
                                                ("elasticache:DeleteCacheSubnetGroup", "{arn}")],
    "aws:secretsmanager/secret:Secret": [("secretsmanager:CreateSecret", "{arn}"),
                                         ("secretsmanager:TagResource", "{arn}"),
                                         ("secretsmanager:DeleteSecret", "{arn}"),
                                         ("kms:GenerateDataKey", KEY_ARN)],
    "aws:secretsmanager/secretVersion:SecretVersion": [
        ("secretsmanager:PutSecretValue", "{secretId}"), ("secretsmanager:GetSecretValue", "{secretId}"),
        ("kms:Decrypt", KEY_ARN)],
    "aws:secretsmanager/secretRotation:SecretRotation": [
        ("secretsmanager:RotateSecret", "{secretId}"), ("secretsmanager:CancelRotateSecret", "{secretId}")],
    "aws:kms/key:Key": [("kms:CreateKey", "*"), ("kms:PutKeyPolicy", KEY_ARN),
                        ("kms:EnableKeyRotation", KEY_ARN), ("kms:TagResource", KEY_ARN),
                        ("kms:ScheduleKeyDeletion", KEY_ARN)],
    "aws:kms/alias:Alias": [("kms:CreateAlias", "{arn}"), ("kms:CreateAlias", KEY_ARN),
                            ("kms:DeleteAlias", "{arn}")],
    "aws:cloudwatch/logGroup:LogGroup": [("logs:CreateLogGroup", "{arn}"),
                                         ("logs:PutRetentionPolicy", "{arn}"),
                                         ("logs:AssociateKmsKey", "{arn}"), ("logs:DeleteLogGroup", "{arn}"),
                                         ("logs:DescribeLogGroups", "*")],
    "aws:cloudwatch/metricAlarm:MetricAlarm": [("cloudwatch:PutMetricAlarm", "{arn}"),
                                               ("cloudwatch:DeleteAlarms", "{arn}"),
                                               ("cloudwatch:DescribeAlarms", "*")],
    "aws:cloudwatch/dashboard:Dashboard": [("cloudwatch:PutDashboard", "{arn}"),
                                           ("cloudwatch:DeleteDashboards", "{arn}")],
    "aws:sns/topic:Topic": [("sns:CreateTopic", "{arn}"), ("sns:SetTopicAttributes", "{arn}"),
                            ("sns:DeleteTopic", "{arn}")],
    "aws:sns/topicPolicy:TopicPolicy": [("sns:SetTopicAttributes", "{arn}")],
    "aws:sns/topicSubscription:TopicSubscription": [("sns:Subscribe", "{topic}"),
                                                    ("sns:Unsubscribe", "{topic}:sub-1")],
    "aws:s3/bucket:Bucket": [("s3:CreateBucket", "{arn}"), ("s3:GetBucketPolicy", "{arn}"),
                             ("s3:DeleteBucket", "{arn}")],
    "aws:s3/bucketPolicy:BucketPolicy": [("s3:PutBucketPolicy", "arn:aws:s3:::{bucket}")],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [
        ("s3:PutBucketPublicAccessBlock", "arn:aws:s3:::{bucket}")],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": [
        ("s3:PutBucketOwnershipControls", "arn:aws:s3:::{bucket}")],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
        ("s3:PutEncryptionConfiguration", "arn:aws:s3:::{bucket}")],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": [
        ("s3:PutLifecycleConfiguration", "arn:aws:s3:::{bucket}")],
    "aws:s3/bucketVersioning:BucketVersioning": [("s3:PutBucketVersioning", "arn:aws:s3:::{bucket}")],
    "aws:s3/bucketLogging:BucketLogging": [("s3:PutBucketLogging", "arn:aws:s3:::{bucket}")],
    ROLE: [("iam:CreateRole", "{arn}"), ("iam:UpdateAssumeRolePolicy", "{arn}"),
           ("iam:TagRole", "{arn}"), ("iam:DeleteRole", "{arn}")],
    "aws:iam/rolePolicy:RolePolicy": [("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{{role}}"),
                                      ("iam:DeleteRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{{role}}")],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [
        ("iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{{role}}"),
        ("iam:DetachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{{role}}")],
    "aws:appautoscaling/target:Target": [("application-autoscaling:RegisterScalableTarget", "*"),
                                         ("application-autoscaling:DeregisterScalableTarget", "*")],
    "aws:appautoscaling/policy:Policy": [("application-autoscaling:PutScalingPolicy", "*"),
                                         ("application-autoscaling:DeleteScalingPolicy", "*")],
    "aws:acm/certificate:Certificate": [("acm:RequestCertificate", "*"), ("acm:DeleteCertificate", "*")],
    "aws:acm/certificateValidation:CertificateValidation": [("acm:DescribeCertificate", "*")],
    "aws:route53/record:Record": [
        ("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/{zoneId}"),
        ("route53:GetChange", "*")],
    "aws:ecr/repository:Repository": [("ecr:CreateRepository", "{arn}"), ("ecr:PutImage", "{arn}"),
                                      ("ecr:DeleteRepository", "{arn}")],
    "aws:lambda/function:Function": [
        ("lambda:CreateFunction", "{arn}"), ("lambda:UpdateFunctionCode", "{arn}"),
        ("lambda:UpdateFunctionConfiguration", "{arn}"), ("lambda:DeleteFunction", "{arn}"),
        ("iam:PassRole", "{role}")],
    "aws:lambda/permission:Permission": [
        ("lambda:AddPermission", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{{function}}"),
        ("lambda:RemovePermission", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{{function}}")],
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": [
        ("ecr:PutLifecyclePolicy", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{{repository}}")],
    # the optional services of issue 16 (the queue is in the committed stacks)
    "aws:sqs/queue:Queue": [("sqs:CreateQueue", "{arn}"), ("sqs:GetQueueAttributes", "{arn}"),
                            ("sqs:SetQueueAttributes", "{arn}"), ("sqs:TagQueue", "{arn}"),
                            ("sqs:ListQueueTags", "{arn}"), ("sqs:DeleteQueue", "{arn}"),
                            ("sqs:ListQueues", "*"), ("kms:GenerateDataKey", KEY_ARN),
                            ("kms:DescribeKey", KEY_ARN)],
    "aws:sqs/queuePolicy:QueuePolicy": [("sqs:SetQueueAttributes", "{queue}"),
                                        ("sqs:GetQueueAttributes", "{queue}")],
    "aws:sqs/redrivePolicy:RedrivePolicy": [("sqs:SetQueueAttributes", "{queue}"),
                                            ("sqs:GetQueueAttributes", "{queue}")],
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": [("sqs:SetQueueAttributes", "{queue}"),
                                                      ("sqs:GetQueueAttributes", "{queue}")],
    "aws:opensearch/domain:Domain": [
        ("es:CreateDomain", "{arn}"), ("es:DescribeDomain", "{arn}"), ("es:DescribeDomainConfig", "{arn}"),
        ("es:UpdateDomainConfig", "{arn}"), ("es:UpgradeDomain", "{arn}"), ("es:AddTags", "{arn}"),
        ("es:ListTags", "{arn}"), ("es:DeleteDomain", "{arn}"), ("es:ListDomainNames", "*"),
        ("ec2:DescribeSubnets", "*"), ("kms:CreateGrant", KEY_ARN), ("kms:DescribeKey", KEY_ARN),
        ("kms:GenerateDataKey", KEY_ARN)],
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": [
        ("logs:PutResourcePolicy", "*"), ("logs:DescribeResourcePolicies", "*"),
        ("logs:DeleteResourcePolicy", "*")],
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": [
        ("iam:CreateServiceLinkedRole",
         f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/{{awsServiceName}}/x")],
    "aws:docdb/subnetGroup:SubnetGroup": [("rds:CreateDBSubnetGroup", "{arn}"),
                                          ("rds:ModifyDBSubnetGroup", "{arn}"),
                                          ("rds:DeleteDBSubnetGroup", "{arn}")],
    "aws:docdb/clusterParameterGroup:ClusterParameterGroup": [
        ("rds:CreateDBClusterParameterGroup", "{arn}"), ("rds:ModifyDBClusterParameterGroup", "{arn}"),
        ("rds:AddTagsToResource", "{arn}"), ("rds:DeleteDBClusterParameterGroup", "{arn}"),
        ("rds:DescribeDBClusterParameters", "*")],
    "aws:docdb/cluster:Cluster": [
        ("rds:CreateDBCluster", "{arn}"),
        ("rds:CreateDBCluster", f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster-pg:{{dbClusterParameterGroupName}}"),
        ("rds:CreateDBCluster", f"arn:aws:rds:{REGION}:{ACCOUNT}:subgrp:{{dbSubnetGroupName}}"),
        ("rds:ModifyDBCluster", "{arn}"), ("rds:AddTagsToResource", "{arn}"),
        ("rds:DeleteDBCluster", "{arn}"), ("rds:DescribeDBClusters", "*"),
        ("rds:CreateDBClusterSnapshot",
         f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster-snapshot:{{finalSnapshotIdentifier}}"),
        ("kms:CreateGrant", KEY_ARN), ("kms:DescribeKey", KEY_ARN),
        ("secretsmanager:CreateSecret",
         f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-1-AbCdEf"),
        ("iam:CreateServiceLinkedRole",
         f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS")],
    "aws:docdb/clusterInstance:ClusterInstance": [
        ("rds:CreateDBInstance", "{arn}"),
        ("rds:CreateDBInstance", f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{{clusterIdentifier}}"),
        ("rds:ModifyDBInstance", "{arn}"), ("rds:RebootDBInstance", "{arn}"),
        ("rds:DeleteDBInstance", "{arn}"), ("rds:DescribeDBInstances", "*")],
    "aws:msk/configuration:Configuration": [
        ("kafka:CreateConfiguration", "*"), ("kafka:DescribeConfiguration", "{arn}"),
        ("kafka:DescribeConfigurationRevision", "{arn}"), ("kafka:UpdateConfiguration", "{arn}"),
        ("kafka:DeleteConfiguration", "{arn}"), ("kafka:ListConfigurations", "*")],
    "aws:msk/cluster:Cluster": [
        ("kafka:CreateCluster", "*"), ("kafka:CreateClusterV2", "*"), ("kafka:DescribeClusterV2", "{arn}"),
        ("kafka:GetBootstrapBrokers", "{arn}"), ("kafka:UpdateClusterConfiguration", "{arn}"),
        ("kafka:UpdateClusterConfiguration", f"arn:aws:kafka:{REGION}:{ACCOUNT}:configuration/"
                                             "groundwork-prod-kafka-config-3-9-x/0123abcd-2"),
        ("kafka:UpdateMonitoring", "{arn}"), ("kafka:UpdateSecurity", "{arn}"),
        ("kafka:UpdateBrokerStorage", "{arn}"), ("kafka:TagResource", "{arn}"),
        ("kafka:DeleteCluster", "{arn}"), ("kafka:ListClustersV2", "*"),
        ("ec2:DescribeSubnets", "*"), ("ec2:DescribeSecurityGroups", "*"),
        ("kms:CreateGrant", KEY_ARN), ("kms:DescribeKey", KEY_ARN),
        # broker logs: vended log delivery, which writes the log group's resource policy
        ("logs:CreateLogDelivery", "*"), ("logs:GetLogDelivery", "*"), ("logs:DeleteLogDelivery", "*"),
        ("logs:PutResourcePolicy", "*"), ("logs:DescribeResourcePolicies", "*"),
        ("logs:DescribeLogGroups", "*"),
        ("iam:CreateServiceLinkedRole",
         f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/kafka.amazonaws.com/AWSServiceRoleForKafka"),
        ("iam:PutRolePolicy",
         f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/kafka.amazonaws.com/AWSServiceRoleForKafka"),
        ("iam:CreateServiceLinkedRole", f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/"
                                        "delivery.logs.amazonaws.com/AWSServiceRoleForLogDelivery")],
    "aws:msk/serverlessCluster:ServerlessCluster": [  # kafka.mode: serverless
        ("kafka:CreateClusterV2", "*"), ("kafka:DescribeClusterV2", "{arn}"),
        ("kafka:TagResource", "{arn}"), ("kafka:DeleteCluster", "{arn}"),
        ("ec2:DescribeSubnets", "*")],
    # the edge (issue 13): web ACL, CloudFront, the app's records and health check
    "aws:wafv2/webAcl:WebAcl": [
        ("wafv2:CreateWebACL", "{arn}"), ("wafv2:TagResource", "{arn}"), ("wafv2:GetWebACL", "{arn}"),
        ("wafv2:ListTagsForResource", "{arn}"), ("wafv2:UpdateWebACL", "{arn}"),
        ("wafv2:DeleteWebACL", "{arn}"), ("wafv2:ListWebACLs", "*"),
        # an ACL naming AWS's managed rule groups is checked on them too
        ("wafv2:CreateWebACL", "{managedRuleSet}"), ("wafv2:UpdateWebACL", "{managedRuleSet}")],
    "aws:wafv2/ipSet:IpSet": [
        ("wafv2:CreateIPSet", "{arn}"), ("wafv2:TagResource", "{arn}"), ("wafv2:UpdateIPSet", "{arn}"),
        ("wafv2:GetIPSet", "{arn}"), ("wafv2:DeleteIPSet", "{arn}"), ("wafv2:ListIPSets", "*")],
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": [
        ("wafv2:PutLoggingConfiguration", "{resourceArn}"),
        ("wafv2:GetLoggingConfiguration", "{resourceArn}"),
        ("wafv2:DeleteLoggingConfiguration", "{resourceArn}"),
        # WAF sets up the vended log delivery to the aws-waf-logs- group with the caller's rights
        ("logs:CreateLogDelivery", "*"), ("logs:DeleteLogDelivery", "*"),
        ("logs:PutResourcePolicy", "*"), ("logs:DescribeResourcePolicies", "*"),
        ("logs:DescribeLogGroups", "*")],
    "aws:wafv2/webAclAssociation:WebAclAssociation": [
        ("wafv2:AssociateWebACL", "{webAclArn}"), ("wafv2:AssociateWebACL", "{resourceArn}"),
        ("elasticloadbalancing:SetWebAcl", "{resourceArn}"),
        ("wafv2:GetWebACLForResource", "{resourceArn}"),
        ("wafv2:DisassociateWebACL", "{resourceArn}")],
    "aws:cloudfront/distribution:Distribution": [
        ("cloudfront:CreateDistributionWithTags", "{arn}"), ("cloudfront:CreateDistribution", "{arn}"),
        ("cloudfront:TagResource", "{arn}"), ("cloudfront:GetDistribution", "{arn}"),
        ("cloudfront:UpdateDistribution", "{arn}"), ("cloudfront:ListTagsForResource", "{arn}"),
        ("cloudfront:DeleteDistribution", "{arn}"),
        ("cloudfront:GetCachePolicy", f"arn:aws:cloudfront::{ACCOUNT}:cache-policy/4135ea2d"),
        ("cloudfront:GetOriginRequestPolicy",
         f"arn:aws:cloudfront::{ACCOUNT}:origin-request-policy/216adef6")],
    "aws:cloudfront/vpcOrigin:VpcOrigin": [
        ("cloudfront:CreateVpcOrigin", "{arn}"), ("cloudfront:TagResource", "{arn}"),
        ("cloudfront:GetVpcOrigin", "{arn}"), ("cloudfront:UpdateVpcOrigin", "{arn}"),
        ("cloudfront:DeleteVpcOrigin", "{arn}"), ("elasticloadbalancing:DescribeLoadBalancers", "*"),
        ("ec2:DescribeSecurityGroups", "*"),
        ("iam:CreateServiceLinkedRole", f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/"
                                        "vpcorigin.cloudfront.amazonaws.com/AWSServiceRoleForCloudFrontVPCOrigin")],
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": [
        (f"cloudfront:{verb}ResponseHeadersPolicy",
         f"arn:aws:cloudfront::{ACCOUNT}:response-headers-policy/x1")
        for verb in ("Create", "Update", "Delete")],
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": [
        (f"cloudfront:{verb}OriginRequestPolicy", f"arn:aws:cloudfront::{ACCOUNT}:origin-request-policy/x1")
        for verb in ("Create", "Update", "Delete")],
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": [
        ("logs:PutDeliverySource", "{arn}"), ("logs:GetDeliverySource", "{arn}"),
        ("logs:TagResource", "{arn}"), ("logs:DeleteDeliverySource", "{arn}"),
        ("logs:DescribeDeliverySources", "*"),
        ("cloudfront:AllowVendedLogDeliveryForResource", "{resourceArn}")],
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": [
        ("logs:PutDeliveryDestination", "{arn}"), ("logs:GetDeliveryDestination", "{arn}"),
        ("logs:TagResource", "{arn}"), ("logs:DeleteDeliveryDestination", "{arn}"),
        ("s3:GetBucketPolicy", "arn:aws:s3:::{bucket}"), ("s3:PutBucketPolicy", "arn:aws:s3:::{bucket}")],
    "aws:cloudwatch/logDelivery:LogDelivery": [
        ("logs:CreateDelivery", "{arn}"), ("logs:CreateDelivery", "{deliveryDestinationArn}"),
        ("logs:GetDelivery", "{arn}"), ("logs:UpdateDeliveryConfiguration", "{arn}"),
        ("logs:DeleteDelivery", "{arn}"), ("logs:DescribeDeliveries", "*")],
    # data protection (issue 15): AWS Backup here and in the DR region ({region}: the record's),
    # RDS backup replication, the asset buckets' replication, the failure notices' rules
    "aws:backup/vault:Vault": [
        ("backup:CreateBackupVault", BACKUP_VAULT), ("backup:DescribeBackupVault", BACKUP_VAULT),
        ("backup:TagResource", BACKUP_VAULT), ("backup:ListTags", BACKUP_VAULT),
        ("backup:DeleteBackupVault", BACKUP_VAULT), ("backup-storage:MountCapsule", "*"),
        ("kms:CreateGrant", "{kmsKeyArn}"), ("kms:DescribeKey", "{kmsKeyArn}"),
        ("kms:GenerateDataKey", "{kmsKeyArn}"), ("kms:Decrypt", "{kmsKeyArn}"),
        ("backup:ListBackupVaults", "*")],
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": [
        ("backup:PutBackupVaultLockConfiguration", BACKUP_VAULT),
        ("backup:DescribeBackupVault", BACKUP_VAULT),
        ("backup:DeleteBackupVaultLockConfiguration", BACKUP_VAULT)],
    "aws:backup/vaultPolicy:VaultPolicy": [
        ("backup:PutBackupVaultAccessPolicy", BACKUP_VAULT),
        ("backup:GetBackupVaultAccessPolicy", BACKUP_VAULT),
        ("backup:DeleteBackupVaultAccessPolicy", BACKUP_VAULT)],
    "aws:backup/plan:Plan": [
        (f"backup:{verb}BackupPlan", BACKUP_PLAN) for verb in ("Create", "Update", "Get", "Delete")
    ] + [("backup:TagResource", BACKUP_PLAN), ("backup:ListBackupPlans", "*")],
    "aws:backup/selection:Selection": [
        ("backup:CreateBackupSelection", BACKUP_PLAN), ("backup:GetBackupSelection", BACKUP_PLAN),
        ("backup:DeleteBackupSelection", BACKUP_PLAN), ("iam:PassRole", "{iamRoleArn}")],
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": [
        (f"backup:{verb}RestoreTestingPlan", RESTORE_TESTING) for verb in (
            "Create", "Update", "Get", "Delete")] + [("backup:ListRestoreTestingPlans", "*")],
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": [
        (f"backup:{verb}RestoreTestingSelection", RESTORE_TESTING_SELECTION)
        for verb in ("Create", "Update", "Get", "Delete")] + [("iam:PassRole", "{iamRoleArn}")],
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": [
        ("rds:StartDBInstanceAutomatedBackupsReplication", "{sourceDbInstanceArn}"),
        ("rds:StartDBInstanceAutomatedBackupsReplication",
         f"arn:aws:rds:{{region}}:{ACCOUNT}:auto-backup:ab-1234"),
        ("rds:StopDBInstanceAutomatedBackupsReplication", "{sourceDbInstanceArn}"),
        ("rds:DescribeDBInstanceAutomatedBackups", "*"),
        ("kms:CreateGrant", "{kmsKeyId}"), ("kms:DescribeKey", "{kmsKeyId}")],
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": [
        ("s3:PutReplicationConfiguration", "arn:aws:s3:::{bucket}"),
        ("s3:GetReplicationConfiguration", "arn:aws:s3:::{bucket}"), ("iam:PassRole", "{role}")],
    "aws:cloudwatch/eventRule:EventRule": [
        ("events:PutRule", "{arn}"), ("events:DescribeRule", "{arn}"), ("events:TagResource", "{arn}"),
        ("events:ListTagsForResource", "{arn}"), ("events:DeleteRule", "{arn}"),
        ("events:ListRules", "*")],
    "aws:cloudwatch/eventTarget:EventTarget": [
        ("events:PutTargets", RULE_OF_TARGET), ("events:ListTargetsByRule", RULE_OF_TARGET),
        ("events:RemoveTargets", RULE_OF_TARGET)],
    # deploy notices (issue 14): the Slack channel of AWS Chatbot (a global ARN) and its role
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": [
        ("chatbot:CreateSlackChannelConfiguration", "{arn}"),
        ("chatbot:UpdateSlackChannelConfiguration", "{arn}"), ("chatbot:TagResource", "{arn}"),
        ("chatbot:ListTagsForResource", "{arn}"), ("chatbot:DeleteSlackChannelConfiguration", "{arn}"),
        ("chatbot:DescribeSlackChannelConfigurations", "*"), ("iam:PassRole", "{iamRoleArn}")],
    "aws:route53/healthCheck:HealthCheck": [
        ("route53:CreateHealthCheck", "*"),
        ("route53:ChangeTagsForResource", "arn:aws:route53:::healthcheck/0123abcd-4567"),
        ("route53:GetHealthCheck", "arn:aws:route53:::healthcheck/0123abcd-4567"),
        ("route53:UpdateHealthCheck", "arn:aws:route53:::healthcheck/0123abcd-4567"),
        ("route53:DeleteHealthCheck", "arn:aws:route53:::healthcheck/0123abcd-4567")],
}
NOT_AWS = ("pulumi:providers:", "random:")
PASSED_TO = {"aws:ec2/flowLog:FlowLog": "vpc-flow-logs.amazonaws.com",
             "aws:backup/selection:Selection": "backup.amazonaws.com",
             "aws:backup/restoreTestingSelection:RestoreTestingSelection": "backup.amazonaws.com",
             "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "s3.amazonaws.com",
             "aws:rds/instance:Instance": "monitoring.rds.amazonaws.com",
             "aws:lambda/function:Function": "lambda.amazonaws.com",
             "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration":
                 "chatbot.amazonaws.com"}
VIA = {"opensearch": "es", "docdb": "rds", "msk": "kafka"}
DR_REGION = "us-west-2"
"""prod's `backup.copy_to_region` (Pulumi.prod.yaml)."""
"""Where a module's KMS calls come from when the service prefix differs from the module."""


def _region(record: Any) -> str:
    """The region a record is deployed to: the DR provider's (`aws-dr`, prod's us-west-2), or
    the stack's."""
    return DR_REGION if "::aws-dr::" in (getattr(record, "provider", "") or "") else REGION


def _context(action: str, record: Any, arn: str = "") -> dict[str, Any]:
    """The request context of one step: the record's region and the stack's tags (the
    provider's default tags carry Environment), what a PassRole passes to, which policy an
    attachment names, which service a KMS call comes through, which service a service-linked
    role is for (its path)."""
    region = _region(record)
    context: dict[str, Any] = {"aws:RequestedRegion": region, "aws:RequestTag/Environment": "prod",
                               "aws:ResourceTag/Environment": "prod"}
    if action == "iam:PassRole":
        context["iam:PassedToService"] = PASSED_TO.get(record.type, "ecs-tasks.amazonaws.com")
    if record.type.endswith("PolicyAttachment"):
        context["iam:PolicyARN"] = record.inputs["policyArn"]
    if action.startswith("kms:") and record.type != "aws:kms/key:Key":
        module = record.type.split(":")[1].split("/")[0]
        context["kms:ViaService"] = f"{VIA.get(module, module)}.{region}.amazonaws.com"
        context["kms:GrantIsForAWSResource"] = "true"
    if action.startswith("ec2:Create") and action != "ec2:CreateTags":
        context["ec2:CreateAction"] = action
    if action == "iam:CreateServiceLinkedRole":
        context["iam:AWSServiceName"] = arn.split("/")[2]  # role/aws-service-role/<service>/...
    return context


def _steps(plan: PlanResult) -> tuple[list[tuple[str, str, str, dict[str, Any]]], set[str]]:
    """(resource, action, ARN, context) of every step, and the aws types OPERATIONS lacks."""
    named = {what: arn for what, _, arn in _arns(plan)}
    steps, unknown = [], set()
    for record in plan.custom_resources:
        if record.type.startswith(NOT_AWS) or record.parent.endswith(("::ci", "::ci-preview")):
            continue
        if record.type not in OPERATIONS:
            unknown.add(record.type)
            continue
        what = f"{record.type.split(':')[-1]} {record.name}"
        values = {k: v for k, v in record.inputs.items() if isinstance(v, str)}
        values["arn"] = named.get(what) or values.get("arn") or str(record.outputs.get("arn", ""))
        if record.type == "aws:wafv2/webAcl:WebAcl":  # an AWS managed rule group it names
            scope = "global" if values["scope"] == "CLOUDFRONT" else "regional"
            values["managedRuleSet"] = values["arn"].split(f":{scope}/")[0] + (
                f":{scope}/managedruleset/AWSManagedRulesCommonRuleSet/0123abcd")
        if "destinationResourceArn" in json.dumps(record.inputs):  # a delivery destination
            config = record.inputs.get("deliveryDestinationConfiguration") or {}
            values["bucket"] = str(config.get("destinationResourceArn", "")).removeprefix("arn:aws:s3:::")
        values["snapshot"] = values["arn"].replace(":db:", ":snapshot:") + "-final"
        values["region"] = _region(record)
        values["vault"] = values.get("backupVaultName") or values.get("name", "")
        values["restoreTesting"] = values.get("restoreTestingPlanName") or values.get("name", "")
        if record.type == "aws:cloudwatch/eventTarget:EventTarget":
            values["rule"] = values.get("rule", "")
        if "queueUrl" in values:  # https://sqs.<region>.amazonaws.com/<account>/<name>
            host, account, queue = values["queueUrl"].removeprefix("https://").split("/")
            values["queue"] = f"arn:aws:sqs:{host.split('.')[1]}:{account}:{queue}"
        for action, template in OPERATIONS[record.type]:
            arn = template.format(**values) if "{" in template else template
            assert arn, (what, action)  # every step names its resource
            steps.append((what, action, arn, _context(action, record, arn)))
    return steps, unknown


def test_the_role_may_deploy_every_resource_type_of_the_real_stack(prod_ci):
    """Create, change and delete every resource of the prod plan, conditions evaluated in the
    stack's own request context (region, Environment tag, the services it passes roles to)."""
    policies = policies_of(prod_ci)
    steps, unknown = _steps(prod_ci)
    assert unknown == set(), "a new resource type in the stack: add its steps to OPERATIONS"
    assert len({what for what, *_ in steps}) > 150
    assert {what for what, *_ in steps if what.startswith("Queue ")} == {"Queue jobs-queue",
                                                                           "Queue jobs-dlq"}
    refused = [(what, action, arn) for what, action, arn, context in steps
               if not allowed(policies, action, arn, context)]
    assert refused == []


STORE_TYPES = {"aws:opensearch/domain:Domain", "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
               "aws:iam/serviceLinkedRole:ServiceLinkedRole", "aws:docdb/cluster:Cluster",
               "aws:docdb/clusterInstance:ClusterInstance",
               "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
               "aws:docdb/subnetGroup:SubnetGroup", "aws:msk/cluster:Cluster",
               "aws:msk/configuration:Configuration"}


STORE_RECORD = SimpleNamespace(type="aws:msk/cluster:Cluster", inputs={})
"""A stand-in record for the request context of a refused step."""


def test_the_role_may_deploy_the_optional_data_services(prod_ci_stores):
    """prod with search (and its service-linked role), DocumentDB and MSK on: every step of
    every resource, in the stack's request context."""
    policies = policies_of(prod_ci_stores)
    steps, unknown = _steps(prod_ci_stores)
    assert unknown == set(), "a new resource type in the stack: add its steps to OPERATIONS"
    assert {r.type for r in prod_ci_stores.custom_resources} >= STORE_TYPES
    refused = [(what, action, arn) for what, action, arn, context in steps
               if not allowed(policies, action, arn, context)]
    assert refused == []
    # ... and only the stack's own: another environment's domain, cluster or queue is refused
    context = {"aws:RequestedRegion": REGION, "aws:ResourceTag/Environment": "prod"}
    for action, arn in (
            ("es:DeleteDomain", f"arn:aws:es:{REGION}:{ACCOUNT}:domain/groundwork-dev-search"),
            ("es:UpdateDomainConfig", f"arn:aws:es:{REGION}:{ACCOUNT}:domain/groundwork-production-x"),
            ("rds:DeleteDBCluster", f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:groundwork-dev-documents"),
            ("kafka:DeleteCluster", f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/groundwork-dev-kafka/1-2"),
            ("sqs:DeleteQueue", f"arn:aws:sqs:{REGION}:{ACCOUNT}:groundwork-dev-jobs"),
            ("iam:CreateServiceLinkedRole", f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/"
                                            "elasticmapreduce.amazonaws.com/x")):
        assert not allowed(policies, action, arn, _context(action, STORE_RECORD, arn)), (action, arn)
        assert not allowed(policies, action, arn, context), (action, arn)
    # a cluster create must carry the stack's tag
    assert not allowed(policies, "kafka:CreateClusterV2", "*",
                       {"aws:RequestedRegion": REGION, "aws:RequestTag/Environment": "dev"})


def test_the_roles_never_touch_the_data_in_the_stores(prod_ci_stores):
    """Managing a queue, a domain or a cluster is not reading or writing what they hold."""
    deploy, preview = policies_of(prod_ci_stores), {"preview": preview_doc(prod_ci_stores)}
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:groundwork-prod-jobs"
    domain = f"arn:aws:es:{REGION}:{ACCOUNT}:domain/groundwork-prod-search"
    cluster = f"arn:aws:kafka-cluster:{REGION}:{ACCOUNT}:topic/groundwork-prod-kafka/1-2/*"
    for policies in (deploy, preview):
        for action, arn in (("sqs:ReceiveMessage", queue), ("sqs:SendMessage", queue),
                            ("sqs:PurgeQueue", queue), ("sqs:DeleteMessage", queue),
                            ("es:ESHttpGet", f"{domain}/*"), ("es:ESHttpPut", f"{domain}/*"),
                            ("kafka-cluster:ReadData", cluster), ("kafka-cluster:Connect", cluster)):
            assert not allowed(policies, action, arn), (action, arn)
    assert allowed(preview, "sqs:GetQueueAttributes", queue)


def test_without_the_data_services_the_roles_get_none_of_their_permissions(prod_ci):
    """Least privilege: prod (search, documents and kafka off) gets no es:/kafka: action, no
    DocumentDB cluster action, no log resource policies, none of their service-linked roles and
    no KMS use through them; the queue it has is still managed."""
    deploy = policies_of(prod_ci)
    assert "ci-stores" not in deploy
    docs = [*deploy.values(), preview_doc(prod_ci)]
    actions = {a for d in docs for s in d["Statement"] if s["Effect"] == "Allow"
               for a in _as_list(s["Action"])}
    assert not {a for a in actions if a.startswith(("es:", "kafka:"))}
    assert not {a for a in actions if "DBCluster" in a}
    # log resource policies: only the web ACL's logging (prod's WAF) asks for them here
    assert [s for d in deploy.values() for s in d["Statement"] if s["Sid"] == "LogResourcePolicies"]
    assert prod_ci.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    text = json.dumps(docs)
    for absent in ("opensearchservice.amazonaws.com", "kafka.amazonaws.com",
                   "delivery.logs.amazonaws.com", "es.us-east-1", "kafka.us-east-1"):
        assert absent not in text, absent
    [kms] = [s for d in deploy.values() for s in d["Statement"] if s["Sid"] == "KmsUseOwnKeys"]
    assert f"sqs.{REGION}.amazonaws.com" in kms["Condition"]["StringEquals"]["kms:ViaService"]
    assert {"sqs:CreateQueue", "sqs:SetQueueAttributes"} <= actions


def test_each_switch_adds_only_its_own_permissions():
    def actions(**on: bool) -> set[str]:
        docs = _deploy_docs(services=StackServices(**on))
        return {a for d in docs.values() for s in d["Statement"] if s["Effect"] == "Allow"
                for a in _as_list(s["Action"])}

    def names(**on: bool) -> list[str]:
        docs = _deploy_docs(services=StackServices(**on))
        [slr] = [s for d in docs.values() for s in d["Statement"] if s["Sid"] == "ServiceLinkedRoles"]
        return slr["Condition"]["StringEquals"]["iam:AWSServiceName"]

    none = actions()
    assert not {a for a in none if a.startswith(("sqs:", "es:", "kafka:"))}
    assert {a.split(":")[0] for a in actions(queues=True) - none} == {"sqs"}
    assert {a.split(":")[0] for a in actions(search=True) - none} == {"es", "logs"}
    assert {a.split(":")[0] for a in actions(documents=True) - none} == {"rds"}
    assert {a.split(":")[0] for a in actions(kafka=True) - none} == {"kafka", "logs"}
    assert "opensearchservice.amazonaws.com" not in names(search=True)
    assert "opensearchservice.amazonaws.com" in names(search=True, search_service_linked_role=True)
    assert {"kafka.amazonaws.com", "delivery.logs.amazonaws.com"} <= set(names(kafka=True))
    assert not {"kafka.amazonaws.com", "opensearchservice.amazonaws.com"} & set(names())


EDGE_PREFIXES = ("wafv2:", "cloudfront:", "elasticloadbalancing:SetWebAcl", "route53:CreateHealthCheck",
                 "route53:GetHealthCheck", "logs:PutDelivery", "logs:CreateDelivery")


def _edge_actions(docs: dict[str, dict[str, Any]]) -> set[str]:
    return {a for d in docs.values() for s in d["Statement"] if s["Effect"] == "Allow"
            for a in _as_list(s["Action"]) if a.startswith(EDGE_PREFIXES)}


def _no_edge_docs(region: str = REGION) -> dict[str, dict[str, Any]]:
    return deploy_policies(CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
                           role_name="groundwork-prod-github-deploy", account_id=ACCOUNT,
                           region=region, zone_id="Z0123456789ABCDEFGHIJ")


def test_a_stack_without_the_edge_gets_none_of_its_permissions():
    """No web ACL, distribution or records: no wafv2:/cloudfront:/health-check/log-delivery
    action, no edge policy, nothing in us-east-1 for a stack elsewhere; the preview the same."""
    for region in (REGION, "eu-west-1"):
        docs = _no_edge_docs(region)
        assert "edge" not in docs and _edge_actions(docs) == set()
        preview = preview_policy(CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
                                 account_id=ACCOUNT, region=region)
        assert _edge_actions({"preview": preview}) == set()
    assert "us-east-1" not in json.dumps(_no_edge_docs("eu-west-1"))


def test_each_edge_switch_adds_only_its_own_permissions():
    def docs(region: str = REGION, **on: bool) -> dict[str, dict[str, Any]]:
        return _deploy_docs(services=StackServices(**on)) if region == REGION else deploy_policies(
            CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
            role_name="groundwork-prod-github-deploy", account_id=ACCOUNT, region=region,
            services=StackServices(**on))

    def sids(d: dict[str, dict[str, Any]]) -> set[str]:
        return {s["Sid"] for doc in d.values() for s in doc["Statement"]}

    base = sids(_deploy_docs())
    assert sids(docs(web_firewall=True)) - base == {
        "WebAclsOwn", "WebAclsRead", "WebAclOnLoadBalancer", "LoadBalancerWebAcl",
        "LogResourcePolicies"}
    assert sids(docs(dns_records=True)) - base == {"HealthChecksCreate", "HealthChecksOwn"}
    assert sids(docs(cloudfront=True)) - base == {
        "CloudFrontOwn", "CloudFrontList", "CloudFrontLogDelivery", "CloudFrontLogDeliveryRead"}
    # a CLOUDFRONT-scope ACL: global/ in us-east-1, never associated with the (internal) ALB
    cf = docs(web_firewall=True, cloudfront=True)
    [acl] = [s for d in cf.values() for s in d["Statement"] if s["Sid"] == "WebAclsOwn"]
    assert all(r.startswith(f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/") for r in acl["Resource"])
    assert not {"WebAclOnLoadBalancer", "LoadBalancerWebAcl"} & sids(cf)
    [slr] = [s for d in cf.values() for s in d["Statement"] if s["Sid"] == "ServiceLinkedRoles"]
    assert "vpcorigin.cloudfront.amazonaws.com" in slr["Condition"]["StringEquals"]["iam:AWSServiceName"]


@pytest.mark.parametrize("switch", ["cloudfront", "dns_records"])
def test_an_edge_in_another_region_may_deploy_its_us_east_1_side(switch):
    """A stack in eu-west-1 with CloudFront or health checks keeps keys, topics, alarms, log
    groups and certificates in us-east-1 too: those statements name both regions."""
    docs = deploy_policies(CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
                           role_name="groundwork-prod-github-deploy", account_id=ACCOUNT,
                           region="eu-west-1", services=StackServices(**{switch: True}))
    for region in ("eu-west-1", "us-east-1"):
        own = {"aws:RequestedRegion": region, "aws:ResourceTag/Environment": "prod",
               "aws:RequestTag/Environment": "prod"}
        for action, arn, extra in (
                ("cloudwatch:PutMetricAlarm",
                 f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:groundwork-prod-alarms-x", {}),
                ("sns:CreateTopic", f"arn:aws:sns:{region}:{ACCOUNT}:groundwork-prod-x-critical", {}),
                ("kms:CreateKey", "*", {}),
                ("kms:PutKeyPolicy", f"arn:aws:kms:{region}:{ACCOUNT}:key/1234", {}),
                ("kms:GenerateDataKey", f"arn:aws:kms:{region}:{ACCOUNT}:key/1234",
                 {"kms:ViaService": f"sns.{region}.amazonaws.com"}),
                ("kms:CreateAlias", f"arn:aws:kms:{region}:{ACCOUNT}:alias/groundwork-prod-x", {}),
                ("logs:CreateLogGroup",
                 f"arn:aws:logs:{region}:{ACCOUNT}:log-group:aws-waf-logs-groundwork-prod-x", {}),
                ("acm:RequestCertificate", "*", {})):
            assert allowed(docs, action, arn, {**own, **extra}), (switch, region, action)
    # ... and not a third region
    assert not allowed(docs, "sns:CreateTopic", f"arn:aws:sns:eu-central-1:{ACCOUNT}:groundwork-prod-x")
    assert not allowed(docs, "kms:CreateKey", "*", {"aws:RequestedRegion": "eu-central-1"})


def test_prod_gets_exactly_the_web_firewall_and_dns_permissions(prod_ci):
    """prod (edge.mode alb, edge.waf on, the app's records): the REGIONAL web ACL's statements
    and the health checks', no CloudFront action and nothing beyond its region."""
    deploy = policies_of(prod_ci)
    dns = bool(prod_ci.of_type("aws:route53/healthCheck:HealthCheck"))
    expected = {"WebAclsOwn", "WebAclsRead", "WebAclOnLoadBalancer", "LoadBalancerWebAcl",
                *(("HealthChecksCreate", "HealthChecksOwn") if dns else ())}
    assert {s["Sid"] for s in deploy["ci-edge"]["Statement"]} == expected
    actions = _edge_actions(deploy)
    assert not {a for a in actions if a.startswith("cloudfront:")}
    [acl] = prod_ci.of_type("aws:wafv2/webAcl:WebAcl")
    assert allowed(deploy, "wafv2:DeleteWebACL", _waf_arn(acl.inputs, "webacl"))
    # another environment's ACL is refused, so is a CLOUDFRONT-scope one
    assert not allowed(deploy, "wafv2:DeleteWebACL",
                       f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/groundwork-dev-web/1")
    assert not allowed(deploy, "wafv2:DeleteWebACL",
                       f"arn:aws:wafv2:{REGION}:{ACCOUNT}:global/webacl/groundwork-prod-x/1")
    preview = preview_doc(prod_ci)
    assert allowed({"p": preview}, "wafv2:GetWebACL", "*", {"aws:RequestedRegion": REGION})
    assert not any(a.startswith("cloudfront:") for s in preview["Statement"]
                   for a in _as_list(s["Action"]))


def test_the_role_may_deploy_the_cloudfront_edge(prod_cloudfront):
    """prod with `edge: cloudfront` (the session plan lane C's tests share): every step of every
    resource against the policies of a stack with the CLOUDFRONT-scope ACL and the
    distribution, in the stack's request context."""
    dns = bool(prod_cloudfront.of_type("aws:route53/healthCheck:HealthCheck"))
    policies = deploy_policies(
        CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
        role_name="groundwork-prod-github-deploy", account_id=ACCOUNT, region=REGION,
        zone_id=prod_cloudfront.of_type("aws:route53/record:Record")[0].inputs["zoneId"],
        services=StackServices(queues=True, web_firewall=True, cloudfront=True, dns_records=dns,
                               backup=True, assets=True, event_rules=True, dr_region=DR_REGION))
    steps, unknown = _steps(prod_cloudfront)
    assert unknown == set(), "a new resource type in the stack: add its steps to OPERATIONS"
    assert {"aws:cloudfront/distribution:Distribution", "aws:cloudfront/vpcOrigin:VpcOrigin",
            "aws:wafv2/webAcl:WebAcl"} <= {r.type for r in prod_cloudfront.custom_resources}
    refused = [(what, action, arn) for what, action, arn, context in steps
               if not allowed(policies, action, arn, context)]
    assert refused == []


@pytest.mark.parametrize("prefix", ["groundwork-prod", "a" * 20, "a" * 21, "a" * 22, "a" * 40,
                                    "abcdefghij-klmnopqrs-tuvwxyz"])
def test_the_search_scope_matches_every_domain_name_the_component_derives(prefix):
    """components/search.py cuts a domain name to 28 characters with a hash: the role's scope
    covers the short and the cut names under the prefix, and never a longer sibling prefix."""
    from groundwork.components.base import Naming
    from groundwork.components.search import domain_name

    pattern = search_domain_pattern(prefix)
    for component in ("search", "s", "a-much-longer-search-domain-name"):
        name = domain_name(Naming(prefix=prefix), component)
        assert len(name) <= 28 and fnmatchcase(name, pattern), (name, pattern)
    if len(prefix) < 21:
        assert pattern == f"{prefix}-*"
        assert not fnmatchcase(f"{prefix}x-search", pattern)


def test_the_default_security_group_can_be_adopted_but_not_another_environments():
    """Tagging an untagged resource (the default security group the VPC comes with) is allowed
    with the stack's tag; re-tagging another environment's resource is not."""
    policies = _deploy_docs()
    sg = f"{EC2}:security-group/sg-default"
    untagged = {"aws:RequestedRegion": REGION, "aws:RequestTag/Environment": "prod"}
    assert allowed(policies, "ec2:CreateTags", sg, untagged)
    assert not allowed(policies, "ec2:CreateTags", sg, {**untagged, "aws:ResourceTag/Environment": "dev"})
    assert not allowed(policies, "ec2:CreateTags", sg, {**untagged, "aws:RequestTag/Environment": "dev"})


@pytest.mark.parametrize(("action", "arn"), [
    ("ec2:DeleteVpc", f"{EC2}:vpc/vpc-dev"), ("ec2:DeleteSubnet", f"{EC2}:subnet/subnet-dev"),
    ("ec2:AuthorizeSecurityGroupIngress", f"{EC2}:security-group/sg-dev"),
    ("ec2:CreateRoute", f"{EC2}:route-table/rtb-dev"), ("ec2:DeleteNatGateway", f"{EC2}:natgateway/nat-dev"),
    ("kms:ScheduleKeyDeletion", KEY_ARN), ("kms:PutKeyPolicy", KEY_ARN),
])
def test_untagged_or_other_environments_ec2_and_kms_resources_are_refused(action, arn):
    policies = _deploy_docs()
    ours = {"aws:RequestedRegion": REGION, "aws:ResourceTag/Environment": "prod"}
    assert allowed(policies, action, arn, ours)
    others = [{**ours, "aws:ResourceTag/Environment": "dev"}, {"aws:RequestedRegion": REGION}]
    if arn.startswith(EC2):  # EC2 ARNs are pinned by the condition; a KMS key's ARN names its region
        others.append({**ours, "aws:RequestedRegion": "eu-west-1"})
    for other in others:
        assert not allowed(policies, action, arn, other), other


def test_ec2_creates_need_the_stacks_tag_in_the_request():
    policies = _deploy_docs()
    vpc = f"{EC2}:vpc/vpc-1"
    assert allowed(policies, "ec2:CreateVpc", vpc, {"aws:RequestedRegion": REGION,
                                                    "aws:RequestTag/Environment": "prod"})
    assert not allowed(policies, "ec2:CreateVpc", vpc, {"aws:RequestedRegion": REGION})
    assert not allowed(policies, "ec2:CreateVpc", vpc, {"aws:RequestedRegion": REGION,
                                                        "aws:RequestTag/Environment": "dev"})


def test_the_stacks_keys_are_used_only_through_its_services():
    policies = _deploy_docs()
    ours = {"aws:RequestedRegion": REGION, "aws:ResourceTag/Environment": "prod"}
    via = {**ours, "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}
    assert allowed(policies, "kms:Decrypt", KEY_ARN, via)
    assert not allowed(policies, "kms:Decrypt", KEY_ARN, ours)  # directly: no
    assert not allowed(policies, "kms:Decrypt", KEY_ARN, {**via, "aws:ResourceTag/Environment": "dev"})
    assert not allowed(policies, "kms:CreateGrant", KEY_ARN, ours)
    assert allowed(policies, "kms:CreateGrant", KEY_ARN, {**ours, "kms:GrantIsForAWSResource": "true"})


def _deploy_docs(**overrides: Any) -> dict[str, dict[str, Any]]:
    return deploy_policies(CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
                           role_name="groundwork-prod-github-deploy", account_id=ACCOUNT, region=REGION,
                           zone_id="Z0123456789ABCDEFGHIJ",
                           waf_acl_arn=f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/x/y", **overrides)


def test_no_service_wide_wildcard_and_no_decryption_with_every_key():
    """IAM.21 and KMS.1 on the documents themselves: every allowed action names a verb (the only
    wildcards are read families on `*`), and kms:Decrypt is never on every key."""
    documents = {**_deploy_docs(), "preview": _preview_policy()}
    reads = ("Describe", "List", "Get")
    for name, document in documents.items():
        for s in document["Statement"]:
            assert "NotAction" not in s or s["Effect"] == "Deny", (name, s["Sid"])
            if s["Effect"] != "Allow":
                continue
            for action in _as_list(s["Action"]):
                verb = action.split(":")[1]
                assert verb.strip("*?") and verb == verb.strip("?"), (name, s["Sid"], action)
                if "*" in verb:  # a verb family: reads only (s3:GetBucket* on the log bucket)
                    assert verb.startswith(reads) and verb.endswith("*") and verb.count("*") == 1, action
                if fnmatchcase("kms:decrypt", action.lower()) or fnmatchcase("kms:reencryptfrom",
                                                                               action.lower()):
                    assert all(r.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
                               for r in _as_list(s["Resource"])), (name, s["Sid"])


def test_a_service_wide_wildcard_in_the_deploy_policies_is_refused(monkeypatch):
    import groundwork.components.github_deploy_role as module

    monkeypatch.setattr(module, "RDS_ACTIONS", (*module.RDS_ACTIONS, "RDS:*"))
    with pytest.raises(ValueError, match=r"data policy \(RdsOwn\) must name actions, not \['RDS:\*'\]"):
        _deploy_docs()


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


ROLLBACK_STEPS = {
    # the resource each call authorises against (IAM's ECS resource types:
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment-permissions.html)
    "ecs:DescribeServices": "{service}", "ecs:ListServiceDeployments": "{service}",
    "ecs:DescribeServiceDeployments": "{ecs}:service-deployment/{cluster}/{name}/dep-1",
    "ecs:DescribeServiceRevisions": "{ecs}:service-revision/{cluster}/{name}/1485800978477494678",
    "ecs:DescribeTaskDefinition": "*",  # no resource-level permissions
    "ecs:UpdateService": "{service}",
}


def test_the_role_may_run_groundwork_rollback_on_its_own_services_only(prod_ci):
    """deploy.yml runs `groundwork rollback` with the deploy role when verify fails: every
    call it makes (rollback.AWS_ACTIONS) on each of the stack's services, in the stack's
    region; the write (UpdateService) on no other stack's service."""
    from groundwork.rollback import AWS_ACTIONS

    assert set(ROLLBACK_STEPS) == set(AWS_ACTIONS)
    policies = policies_of(prod_ci)
    ecs = f"arn:aws:ecs:{REGION}:{ACCOUNT}"
    cluster = prod_ci.one("aws:ecs/cluster:Cluster").inputs["name"]
    names = [s.inputs["name"] for s in prod_ci.of_type("aws:ecs/service:Service")]
    assert len(names) >= 2
    context = {"aws:RequestedRegion": REGION}
    for name in names:
        service = f"{ecs}:service/{cluster}/{name}"
        for action, template in ROLLBACK_STEPS.items():
            arn = template.format(ecs=ecs, cluster=cluster, name=name, service=service)
            assert allowed(policies, action, arn, context), (action, arn)
    for arn in (f"{ecs}:service/groundwork-dev-cluster/groundwork-dev-api",
                f"{ecs}:service/other-cluster/other-api"):
        assert not allowed(policies, "ecs:UpdateService", arn), arn
    # the reads are pinned to the stack's region
    assert not allowed(policies, "ecs:ListServiceDeployments",
                       f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/{cluster}/{names[0]}",
                       {"aws:RequestedRegion": "eu-west-1"})


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
    passes = {s["Sid"]: s for doc in policies_of(prod_ci).values() for s in doc["Statement"]
              if "iam:PassRole" in _as_list(s.get("Action", []))}
    # the Backup role to AWS Backup only, the asset buckets' replication role to S3 only
    assert set(passes) == {"PassOwnRoles", "PassBackupRole", "PassReplicationRole"}
    assert passes["PassBackupRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}
    assert passes["PassBackupRole"]["Resource"] == \
        f"arn:aws:iam::{ACCOUNT}:role/groundwork-prod-backup-*"
    assert passes["PassReplicationRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}}
    pass_role = passes["PassOwnRoles"]
    services = pass_role["Condition"]["StringEquals"]["iam:PassedToService"]
    assert set(services) == {"ecs-tasks.amazonaws.com", "ecs.amazonaws.com",
                             "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com",
                             "lambda.amazonaws.com"}
    assert pass_role["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/groundwork-prod-*"


def test_each_policy_fits_iams_size_limit(prod_ci):
    policies = policies_of(prod_ci)
    assert set(policies) == {"ci-network", "ci-data", "ci-secrets", "ci-compute", "ci-observability",
                             "ci-iam", "ci-state", "ci-edge",  # prod's web ACL, records
                             "ci-protection"}  # prod's backups, asset bucket, notices
    for name, doc in policies.items():
        # IAM counts a managed policy's characters without whitespace, at most 6,144
        size = len("".join(json.dumps(doc).split()))
        assert 0 < size <= 6144, (name, size)


def test_each_policy_fits_iams_size_limit_with_every_service_on(prod_ci_stores):
    policies = policies_of(prod_ci_stores)
    assert set(policies) == {"ci-network", "ci-data", "ci-secrets", "ci-stores", "ci-compute",
                             "ci-observability", "ci-iam", "ci-state", "ci-edge", "ci-protection"}
    everything = StackServices(queues=True, search=True, search_service_linked_role=True,
                               documents=True, kafka=True, web_firewall=True, cloudfront=True,
                               dns_records=True, backup=True, assets=True, event_rules=True,
                               dr_region=DR_REGION)
    for docs in (policies, _deploy_docs(services=everything)):
        for name, doc in docs.items():
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
    "lambda": ("lambda:GetFunctionConfiguration",
               f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:groundwork-prod-cache-auth-rotation"),
    "sqs": ("sqs:GetQueueAttributes", f"arn:aws:sqs:{REGION}:{ACCOUNT}:groundwork-prod-jobs-dlq"),
    "opensearch": ("es:DescribeDomainConfig", "*"),
    "docdb": ("rds:DescribeDBClusters", "*"),
    "msk": ("kafka:DescribeClusterV2", "*"),
    "wafv2": ("wafv2:GetLoggingConfiguration", "*"),
    "cloudfront": ("cloudfront:GetDistributionConfig", "*"),
    "backup": ("backup:GetBackupPlan", "*"),
}


def test_the_preview_role_reads_every_service_the_stack_uses(prod_ci):
    policies = {"preview": preview_doc(prod_ci)}
    modules = {r.type.split(":")[1].split("/")[0] for r in prod_ci.custom_resources
               if r.type.startswith("aws:")}
    assert modules - set(PREVIEW_READS) == set(), "a new AWS service: add its reads"
    zone = prod_ci.of_type("aws:route53/record:Record")[0].inputs["zoneId"]
    for module in modules:
        action, arn = PREVIEW_READS[module]
        assert allowed(policies, action, arn.format(zone=zone)), (module, action)
    assert allowed(policies, "logs:DescribeLogGroups", "*")
    assert allowed(policies, "cloudwatch:GetDashboard", "*")
    assert allowed(policies, "iam:GetOpenIDConnectProvider",
                   f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_OIDC_HOST}")
    assert not allowed(policies, "iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/someone-else")


def test_the_preview_role_reads_the_optional_data_services(prod_ci_stores):
    policies = {"preview": preview_doc(prod_ci_stores)}
    modules = {r.type.split(":")[1].split("/")[0] for r in prod_ci_stores.custom_resources
               if r.type.startswith("aws:")}
    assert {"opensearch", "docdb", "msk", "sqs"} <= modules
    assert modules - set(PREVIEW_READS) == set(), "a new AWS service: add its reads"
    zone = prod_ci_stores.of_type("aws:route53/record:Record")[0].inputs["zoneId"]
    for module in modules:
        action, arn = PREVIEW_READS[module]
        assert allowed(policies, action, arn.format(zone=zone)), (module, action)
    for action in ("es:DescribeDomain", "es:ListTags", "kafka:DescribeConfiguration",
                   "kafka:GetBootstrapBrokers", "logs:DescribeResourcePolicies"):
        assert allowed(policies, action, "*"), action
    assert 0 < policy_size(policies["preview"]) <= INLINE_POLICY_MAX_CHARS


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
    """VPC Block Public Access is account-wide and belongs to the account program: CI must not be
    able to change it (nor anything else account-wide in EC2). It may manage the exclusions of
    its own environment's public subnets only: every statement granting them is conditioned on
    the stack's Environment tag."""
    from groundwork.components.github_deploy_role import deploy_policies

    docs = deploy_policies(CiConfig(**CI), stack_prefix="groundwork-prod", environment="prod",
                           role_name="groundwork-prod-github-deploy", account_id="123456789012",
                           region="us-east-1")
    allows = [st for doc in docs.values() for st in doc["Statement"] if st["Effect"] == "Allow"]

    def actions_of(st: dict) -> list[str]:
        return [st["Action"]] if isinstance(st["Action"], str) else st["Action"]

    actions = [a for st in allows for a in actions_of(st)]
    assert actions
    assert not [a for a in actions if "BlockPublicAccessOptions" in a or a in ("ec2:*", "*")]
    exclusions = [st for st in allows if any("BlockPublicAccessExclusion" in a for a in actions_of(st))]
    assert exclusions
    for st in exclusions:
        keys = {k for condition in st.get("Condition", {}).values() for k in condition}
        assert keys & {"aws:RequestTag/Environment", "aws:ResourceTag/Environment"}, st


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
                                 for g in ("network", "data", "secrets", "compute", "observability",
                                           "iam")}
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


# --------------------------------------------------------------------------------------------
# data protection (issue 15): AWS Backup, RDS backup replication, asset buckets, event rules
# --------------------------------------------------------------------------------------------


def test_protection_permissions_are_the_stacks_own_only(prod_ci):
    """The `protection` policy: the prod stack's vaults (here and in the DR region), plan,
    restore testing and rules; another environment's vault or rule, a recovery point's
    deletion, and passing the Backup role to anything but AWS Backup are refused."""
    policies = policies_of(prod_ci)
    assert "ci-protection" in policies
    here = {"aws:RequestedRegion": REGION, "aws:ResourceTag/Environment": "prod"}
    dr = {**here, "aws:RequestedRegion": DR_REGION}
    vault = f"arn:aws:backup:{{}}:{ACCOUNT}:backup-vault:{{}}"
    assert allowed(policies, "backup:PutBackupVaultLockConfiguration",
                   vault.format(DR_REGION, "groundwork-prod-backup-dr-vault"), dr)
    for action, arn, context in (
            ("backup:DeleteBackupVault", vault.format(REGION, "groundwork-dev-backup-vault"), here),
            ("backup:DeleteBackupVault", vault.format("eu-west-1", "groundwork-prod-backup-vault"),
             {**here, "aws:RequestedRegion": "eu-west-1"}),
            ("backup:DeleteRecoveryPoint", vault.format(REGION, "groundwork-prod-backup-vault"), here),
            ("events:PutRule", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/groundwork-dev-x", here),
            ("backup:DeleteRestoreTestingPlan",
             f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:groundwork_dev_x-1", here)):
        assert not allowed(policies, action, arn, context), (action, arn)
    backup_role = f"arn:aws:iam::{ACCOUNT}:role/groundwork-prod-backup-role"
    assert allowed(policies, "iam:PassRole", backup_role,
                   {**here, "iam:PassedToService": "backup.amazonaws.com"})
    assert not allowed(policies, "iam:PassRole", backup_role,
                       {**here, "iam:PassedToService": "ec2.amazonaws.com"})
    replication = f"arn:aws:iam::{ACCOUNT}:role/groundwork-prod-assets-replication"
    assert allowed(policies, "iam:PassRole", replication,
                   {**here, "iam:PassedToService": "s3.amazonaws.com"})
    assert not allowed(policies, "iam:PassRole", replication,
                       {**here, "iam:PassedToService": "backup.amazonaws.com"})


def test_without_backups_or_assets_there_is_no_protection_policy():
    from groundwork.components.github_deploy_role import policy_groups

    settings = GithubDeployRoleSettings(repository="acme/shop", branches=["main"])
    assert "protection" not in policy_groups(settings, StackServices())
    docs = deploy_policies(settings, stack_prefix="groundwork-dev", environment="dev",
                           role_name="r", account_id=ACCOUNT, region=REGION,
                           services=StackServices(assets=True))
    actions = {a for d in docs.values() for st in d["Statement"] for a in st.get("Action", [])}
    assert "s3:PutReplicationConfiguration" in actions
    assert not {a for a in actions if a.startswith(("backup:", "events:"))}
