"""`GithubDeployRole`: how GitHub Actions deploys a stack without a single static AWS key.

GitHub's OIDC provider signs a short-lived token for each workflow job; AWS STS trades it for a
one-hour session of this role, and only if the token's claims match the trust policy:

- `aud` is `sts.amazonaws.com` (the audience `aws-actions/configure-aws-credentials` asks for);
- `sub` names THIS repository and one of the allowed branches (`repo:o/r:ref:refs/heads/main`)
  or GitHub environments (`repo:o/r:environment:prod`). Never `repo:o/*`: a wildcard owner or
  repository is refused when the Args are validated and again here. StringEquals is used unless
  a branch pattern (`release/*`) needs StringLike.

Permissions are what `pulumi up` of this stack needs, grouped in managed policies (each under
IAM's 6,144-character limit), as explicit action lists (never a service-wide `svc:*`, IAM.21;
building the policies raises if one appears) and scoped as far as each AWS service allows:

- by resource name, to `<name_prefix>-*` (the stack's prefix, e.g. `groundwork-prod-*`): IAM
  roles and policies, RDS, ElastiCache, ECS, ELB, ECR, Secrets Manager, SNS, CloudWatch alarms
  and dashboards, log groups, the S3 log bucket (bucket-level actions only), and the optional
  services the stack has (`queues`, `search`, `documents`, `kafka`; none without them): SQS
  queues, the OpenSearch domain (`search_domain_pattern`: its name is cut to 28 characters),
  the DocumentDB cluster, instances and groups (RDS API), the MSK cluster and configuration;
- data protection (`backup`, `assets`, `event_rules`, `dr_region`; none without them): the
  `<prefix>-*` AWS Backup vaults here and in the DR region, their locks and access policies, the
  plan and selection (their ARNs carry AWS's ids: the account and region), the restore-testing
  plan (`<prefix with underscores>_*`), RDS automated backup replication to the DR region, the
  asset buckets' replication, the `<prefix>-*` EventBridge rules; `iam:PassRole` of the
  `<prefix>-backup-*` role to AWS Backup only and of the replication role to S3 only; never
  `backup:DeleteRecoveryPoint`;
- by tag, `Environment=<environment>` (the Args' `Environment` tag, else the stack name): KMS
  keys (their ARNs carry only a UUID; using them only through the services that encrypt the
  stack's data, `kms:ViaService`, and never on every key, KMS.1), and EC2/VPC resources (named by
  id): a create must carry the tag (`aws:RequestTag`), a change or delete needs it on the resource
  (`aws:ResourceTag`); an untagged resource (the VPC's default security group) may be tagged,
  another environment's never;
- by region only (documented in docs/operations.md): ACM certificates, Application Auto Scaling,
  log deliveries, log resource policies (with search or kafka), MSK creates (with the
  Environment tag in the request: their ARNs end with a UUID), and the `Describe*`/`List*`
  reads, which have no resource-level permissions;
- always denied: changing this role, its own policies, the preview role and the OIDC provider,
  so a workflow can't widen its own trust or permissions (an admin applies changes to them).

`groundwork rollback`, which the deploy workflow runs on a failed verify, needs nothing beyond
this: `ecs:UpdateService` on the stack's `<prefix>-*` services (`EcsOwn`) and the region-pinned
ECS reads (`EcsUnscoped`: DescribeServices, the deployment history's ListServiceDeployments,
DescribeServiceDeployments and DescribeServiceRevisions, DescribeTaskDefinition). A statement
scoping the history reads to the stack's services would grant nothing those reads don't, so
there is none (tests/test_github_deploy_role.py checks each call against `rollback.AWS_ACTIONS`).

`GithubDeployRole(name, GithubDeployRoleArgs(repository=..., ...), opts)`: the role is
`<prefix>-<name>-deploy` (or `role_name`), its policies `<role name>-<group>`.

`GithubPreviewRole` (created with it unless `preview` is false; also usable on its own as
`GithubPreviewRole(name, GithubPreviewRoleArgs(...))`, role `<prefix>-<name>` or `role_name`)
is what pull requests assume
for `pulumi preview`: trusted only by `repo:<repository>:pull_request` (StringEquals, the same
audience), one-hour sessions, one inline read-only policy. Any branch pusher can assume it from
a workflow of their own, so it never writes: Describe/List/Get on the services the stack uses
(never the ones that return data or secrets: `secretsmanager:GetSecretValue`, `s3:GetObject`
outside this stack's state, `logs:GetLogEvents`, `ec2:GetPasswordData`...), this stack's state
objects and `kms:Decrypt` with the secrets-provider key. Forked pull requests get no OIDC token.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import (
    AccountContext,
    Naming,
    account_for,
    child_opts,
    component_naming,
    default_prefix,
)
from groundwork.components.search import domain_name

GITHUB_REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
"""`owner/name` exactly: no wildcard can reach the `sub` condition through the repository."""
GIT_REF_PATTERN = r"^[A-Za-z0-9._/*-]{1,200}$"
GITHUB_OIDC_PROVIDER_ARN = (
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$")
IAM_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
"""IAM's role-name rule."""

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"
MAX_SESSION_SECONDS = 3600
"""One hour: long enough for `pulumi up` of this stack, short enough that a leaked session dies
quickly (IAM's minimum and the OIDC default)."""
POLICY_MAX_CHARS = 6144
"""IAM's limit on a managed policy document, whitespace excluded."""

PASSABLE_TO = ("ecs-tasks.amazonaws.com", "ecs.amazonaws.com", "monitoring.rds.amazonaws.com",
               "vpc-flow-logs.amazonaws.com", "lambda.amazonaws.com")
"""Services the stack hands its roles to (task/execution roles, blue/green, enhanced monitoring,
flow logs, the cache token's rotation function)."""
SELF_READS = ("iam:GetRole", "iam:GetRolePolicy", "iam:ListRoleTags", "iam:ListRolePolicies",
              "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:GetPolicy",
              "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListEntitiesForPolicy",
              "iam:GetOpenIDConnectProvider")
"""What the role may still do to itself: the reads Pulumi's refresh needs."""
SERVICE_LINKED = ("ecs.amazonaws.com", "rds.amazonaws.com", "elasticache.amazonaws.com",
                  "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com")
"""Service-linked roles the first deploy in an account may have to create."""
INLINE_POLICY_MAX_CHARS = 10240
"""IAM's limit on the inline policies of one role together, whitespace excluded."""
READ_VERBS = ("Describe", "List", "Get")
"""What every action the preview role is allowed starts with; `kms:Decrypt` (of the stack's
secrets) is the one exception. Checked when the policy is built."""
PREVIEW_DECRYPT = "kms:Decrypt"

# What the deploy role may do, service by service: explicit actions, never `svc:*` (IAM.21).
# Verb families (`rds:Describe*`) only for reads, on `*` pinned to the region.
EC2_CREATE = ("ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateSecurityGroup", "ec2:CreateRouteTable",
              "ec2:CreateInternetGateway", "ec2:CreateNatGateway", "ec2:AllocateAddress",
              "ec2:CreateVpcEndpoint", "ec2:CreateFlowLogs", "ec2:AuthorizeSecurityGroupIngress",
              "ec2:AuthorizeSecurityGroupEgress", "ec2:CreateVpcBlockPublicAccessExclusion")
"""EC2 creates that carry tags (TagSpecifications): allowed with the stack's Environment tag in
the request."""
EC2_CHANGE = (
    "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet",
    "ec2:ModifySubnetAttribute", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:ReplaceRoute",
    "ec2:DeleteRoute", "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
    "ec2:ReplaceRouteTableAssociation", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
    "ec2:DeleteInternetGateway", "ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:ReleaseAddress",
    "ec2:DisassociateAddress", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint",
    "ec2:DeleteVpcEndpoints", "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:CreateNetworkAclEntry",
    "ec2:ReplaceNetworkAclEntry", "ec2:DeleteNetworkAclEntry", "ec2:ReplaceNetworkAclAssociation",
    "ec2:CreateVpcBlockPublicAccessExclusion", "ec2:ModifyVpcBlockPublicAccessExclusion",
    "ec2:DeleteVpcBlockPublicAccessExclusion", "ec2:CreateTags", "ec2:DeleteTags")
"""EC2 changes (and the creates that also authorise against an existing parent: a subnet's VPC,
a rule's security group): allowed on resources tagged with the stack's Environment."""
RDS_ACTIONS = (
    "rds:CreateDBInstance", "rds:ModifyDBInstance", "rds:DeleteDBInstance", "rds:RebootDBInstance",
    "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource",
    "rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup", "rds:ResetDBParameterGroup",
    "rds:DeleteDBParameterGroup", "rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup",
    "rds:DeleteDBSubnetGroup", "rds:CreateEventSubscription", "rds:ModifyEventSubscription",
    "rds:DeleteEventSubscription", "rds:AddSourceIdentifierToSubscription",
    "rds:RemoveSourceIdentifierFromSubscription", "rds:CreateDBSnapshot")
"""On the stack's prefix ARNs (`CreateDBSnapshot`: the final snapshot of a deleted instance)."""
ELASTICACHE_ACTIONS = (
    "elasticache:CreateReplicationGroup", "elasticache:ModifyReplicationGroup",
    "elasticache:DeleteReplicationGroup", "elasticache:IncreaseReplicaCount",
    "elasticache:DecreaseReplicaCount", "elasticache:CreateCacheParameterGroup",
    "elasticache:ModifyCacheParameterGroup", "elasticache:ResetCacheParameterGroup",
    "elasticache:DeleteCacheParameterGroup", "elasticache:CreateCacheSubnetGroup",
    "elasticache:ModifyCacheSubnetGroup", "elasticache:DeleteCacheSubnetGroup",
    "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource",
    "elasticache:ListTagsForResource", "elasticache:CreateSnapshot", "elasticache:CreateUser",
    "elasticache:ModifyUser", "elasticache:DeleteUser", "elasticache:CreateUserGroup",
    "elasticache:ModifyUserGroup", "elasticache:DeleteUserGroup")
SECRETS_ACTIONS = (
    "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:RestoreSecret",
    "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:ListSecretVersionIds", "secretsmanager:TagResource", "secretsmanager:UntagResource",
    "secretsmanager:GetResourcePolicy", "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteResourcePolicy", "secretsmanager:ValidateResourcePolicy",
    "secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret")
"""On the stack's own secrets (`GetSecretValue`: the provider reads a SecretVersion back)."""
KMS_MANAGE = (
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:ListResourceTags", "kms:TagResource",
    "kms:UntagResource", "kms:UpdateKeyDescription", "kms:EnableKey", "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:ListGrants",
    "kms:RetireGrant", "kms:RevokeGrant")
"""Managing the stack's keys (tagged Environment=<environment>: KMS ARNs carry only a UUID)."""
KMS_USE = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext")
"""Using the stack's keys: what Secrets Manager, RDS (its managed master secret) and the other
services do with the caller's permissions when the stack creates encrypted resources."""
KMS_VIA = ("secretsmanager", "rds", "elasticache", "ecr", "logs", "sns")
"""The services `KMS_USE` goes through (`kms:ViaService`)."""
ECS_ACTIONS = (
    "ecs:CreateCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings",
    "ecs:PutClusterCapacityProviders", "ecs:DeleteCluster", "ecs:CreateService", "ecs:UpdateService",
    "ecs:DeleteService", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTagsForResource",
    "ecs:DeleteTaskDefinitions")
ELB_ACTIONS = (
    "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets", "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
    "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
    "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags")
ECR_ACTIONS = (
    "ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories",
    "ecr:ListTagsForResource", "ecr:TagResource", "ecr:UntagResource", "ecr:PutLifecyclePolicy",
    "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy", "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability", "ecr:SetRepositoryPolicy", "ecr:GetRepositoryPolicy",
    "ecr:DeleteRepositoryPolicy", "ecr:DescribeImages", "ecr:ListImages", "ecr:BatchGetImage",
    "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage")
"""The repository and pushing the image `ServiceImage` builds into it."""
AUTOSCALING_ACTIONS = (
    "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:TagResource", "application-autoscaling:UntagResource")
LOGS_ACTIONS = (
    "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
    "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
    "logs:ListTagsForResource", "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup")
SNS_ACTIONS = (
    "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes",
    "sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes",
    "sns:ListSubscriptionsByTopic", "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource",
    "sns:GetDataProtectionPolicy")
S3_BUCKET_ACTIONS = (
    "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions", "s3:PutBucketTagging",
    "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls", "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration",
    "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
    "s3:GetAccelerateConfiguration", "s3:GetReplicationConfiguration", "s3:PutBucketLogging")
"""Bucket-level actions on the log bucket (besides `s3:GetBucket*`): never its objects' data."""
LAMBDA_ACTIONS = (
    "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
    "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
    "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:ListVersionsByFunction",
    "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy", "lambda:TagResource",
    "lambda:UntagResource", "lambda:ListTags", "lambda:PutFunctionConcurrency",
    "lambda:DeleteFunctionConcurrency")
"""The stack's functions (the cache token's Secrets Manager rotation)."""
SQS_ACTIONS = (
    "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
    "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags",
    "sqs:ListDeadLetterSourceQueues")
"""The stack's queues and dead-letter queues (`SetQueueAttributes` also writes the queue policy,
the redrive and redrive-allow policies). Never `ReceiveMessage`/`SendMessage`/`PurgeQueue`."""
DOCDB_ACTIONS = (
    "rds:CreateDBCluster", "rds:ModifyDBCluster", "rds:DeleteDBCluster", "rds:RebootDBCluster",
    "rds:CreateDBClusterParameterGroup", "rds:ModifyDBClusterParameterGroup",
    "rds:ResetDBClusterParameterGroup", "rds:DeleteDBClusterParameterGroup",
    "rds:CreateDBClusterSnapshot", "rds:CreateDBInstance", "rds:ModifyDBInstance",
    "rds:DeleteDBInstance", "rds:RebootDBInstance", "rds:CreateDBSubnetGroup",
    "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:AddTagsToResource",
    "rds:RemoveTagsFromResource", "rds:ListTagsForResource")
"""DocumentDB through its (RDS) API: the cluster, its instances, cluster parameter group, subnet
group and final snapshot (`CreateDBClusterSnapshot`)."""
ES_ACTIONS = (
    "es:CreateDomain", "es:DeleteDomain", "es:DescribeDomain", "es:DescribeDomainConfig",
    "es:UpdateDomainConfig", "es:DescribeDomainChangeProgress", "es:UpgradeDomain",
    "es:GetUpgradeStatus", "es:GetCompatibleVersions", "es:AddTags", "es:RemoveTags", "es:ListTags")
"""The stack's OpenSearch domain (the configuration API, never `es:ESHttp*`: the data)."""
KAFKA_ACTIONS = (
    "kafka:DeleteCluster", "kafka:DescribeCluster", "kafka:DescribeClusterV2",
    "kafka:DescribeClusterOperation", "kafka:DescribeClusterOperationV2", "kafka:GetBootstrapBrokers",
    "kafka:ListNodes", "kafka:UpdateClusterConfiguration", "kafka:UpdateClusterKafkaVersion",
    "kafka:UpdateBrokerCount", "kafka:UpdateBrokerStorage", "kafka:UpdateBrokerType",
    "kafka:UpdateMonitoring", "kafka:UpdateSecurity", "kafka:UpdateConnectivity",
    "kafka:UpdateStorage", "kafka:TagResource", "kafka:UntagResource", "kafka:ListTagsForResource",
    "kafka:DescribeConfiguration", "kafka:DescribeConfigurationRevision",
    "kafka:ListConfigurationRevisions", "kafka:UpdateConfiguration", "kafka:DeleteConfiguration")
"""The stack's MSK cluster (provisioned or serverless) and its configuration, by ARN (the
creates carry no ARN yet: `KAFKA_CREATE`)."""
KAFKA_CREATE = ("kafka:CreateCluster", "kafka:CreateClusterV2")
"""Cluster creates (v1 provisioned, v2 provisioned or serverless): the ARN ends with a UUID the
create assigns, so they are allowed with the stack's Environment tag in the request."""
LOG_RESOURCE_POLICIES = ("logs:PutResourcePolicy", "logs:DeleteResourcePolicy",
                         "logs:DescribeResourcePolicies")
"""The log groups' resource policies OpenSearch needs and MSK's broker-log delivery writes. A log
resource policy only admits AWS service principals' `CreateLogStream`/`PutLogEvents`."""
WAF_ACTIONS = (
    "wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL", "wafv2:GetWebACL",
    "wafv2:CreateIPSet", "wafv2:UpdateIPSet", "wafv2:DeleteIPSet", "wafv2:GetIPSet",
    "wafv2:PutLoggingConfiguration", "wafv2:GetLoggingConfiguration",
    "wafv2:DeleteLoggingConfiguration", "wafv2:TagResource", "wafv2:UntagResource",
    "wafv2:ListTagsForResource")
"""The stack's web ACLs, IP sets and their logging configuration, by name (`<prefix>-*`); a
create or update that references AWS managed rule groups is also checked on them
(`managedruleset`)."""
WAF_ASSOCIATION = ("wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
                   "wafv2:GetWebACLForResource")
"""Associating a REGIONAL web ACL with the stack's load balancer (checked on both)."""
WAF_LIST = ("wafv2:ListWebACLs", "wafv2:ListIPSets", "wafv2:ListLoggingConfigurations",
            "wafv2:CheckCapacity", "wafv2:DescribeManagedRuleGroup",
            "wafv2:ListAvailableManagedRuleGroups")
CLOUDFRONT_ACTIONS = (
    "cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags",
    "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:GetDistribution",
    "cloudfront:GetDistributionConfig", "cloudfront:CreateVpcOrigin", "cloudfront:UpdateVpcOrigin",
    "cloudfront:DeleteVpcOrigin", "cloudfront:GetVpcOrigin",
    "cloudfront:CreateResponseHeadersPolicy", "cloudfront:UpdateResponseHeadersPolicy",
    "cloudfront:DeleteResponseHeadersPolicy", "cloudfront:GetResponseHeadersPolicy",
    "cloudfront:CreateOriginRequestPolicy", "cloudfront:UpdateOriginRequestPolicy",
    "cloudfront:DeleteOriginRequestPolicy", "cloudfront:GetOriginRequestPolicy",
    "cloudfront:GetCachePolicy", "cloudfront:TagResource", "cloudfront:UntagResource",
    "cloudfront:ListTagsForResource", "cloudfront:AllowVendedLogDeliveryForResource")
"""The distribution, its VPC origin, response-headers and origin-request policies (their ARNs
carry ids CloudFront assigns: scoped to the account), the managed cache policies it names, and
the authorisation of its access-log delivery (`AllowVendedLogDeliveryForResource`)."""
CLOUDFRONT_LIST = ("cloudfront:ListDistributions", "cloudfront:ListVpcOrigins",
                   "cloudfront:ListResponseHeadersPolicies", "cloudfront:ListOriginRequestPolicies",
                   "cloudfront:ListCachePolicies")
LOG_DELIVERY_V2 = (
    "logs:PutDeliverySource", "logs:GetDeliverySource", "logs:DeleteDeliverySource",
    "logs:PutDeliveryDestination", "logs:GetDeliveryDestination", "logs:DeleteDeliveryDestination",
    "logs:GetDeliveryDestinationPolicy", "logs:CreateDelivery", "logs:GetDelivery",
    "logs:DeleteDelivery", "logs:UpdateDeliveryConfiguration", "logs:TagResource",
    "logs:UntagResource", "logs:ListTagsForResource")
"""CloudFront's standard logging v2 (CloudWatch Logs "vended logs V2": delivery source,
destination, delivery), on the stack's `<prefix>-*` sources and destinations."""
LOG_DELIVERY_V2_LIST = ("logs:DescribeDeliverySources", "logs:DescribeDeliveryDestinations",
                        "logs:DescribeDeliveries", "logs:DescribeConfigurationTemplates")
HEALTH_CHECK_ACTIONS = ("route53:GetHealthCheck", "route53:UpdateHealthCheck",
                        "route53:DeleteHealthCheck", "route53:ChangeTagsForResource",
                        "route53:ListTagsForResource")
"""The stack's Route 53 health checks (their ids are Route 53's: scoped to `healthcheck/*`)."""
CLOUDFRONT_SERVICE_LINKED = "vpcorigin.cloudfront.amazonaws.com"
"""CloudFront's VPC-origin role (AWSServiceRoleForCloudFrontVPCOrigin: the origin's network
interfaces and security group), created by the account's first VPC origin."""
GLOBAL_REGION = "us-east-1"
"""Where CloudFront's certificate, a CLOUDFRONT-scope web ACL and its logs, CloudFront's log
delivery and the Route 53 health-check alarms are, whatever the stack's region."""
SEARCH_SERVICE_LINKED = "opensearchservice.amazonaws.com"
KAFKA_SERVICE_LINKED = ("kafka.amazonaws.com", "delivery.logs.amazonaws.com")
"""MSK's role (AWSServiceRoleForKafka: the brokers' network interfaces) and the log-delivery
role broker logging uses; both created by the first cluster of an account."""
BACKUP_VAULT_ACTIONS = (
    "backup:CreateBackupVault", "backup:DescribeBackupVault", "backup:DeleteBackupVault",
    "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration",
    "backup:PutBackupVaultAccessPolicy", "backup:GetBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultAccessPolicy", "backup:TagResource", "backup:UntagResource",
    "backup:ListTags")
"""The stack's `<prefix>-*` vaults (its own region's and the DR region's), their locks and
access policies. Never `DeleteRecoveryPoint`: recovery points outlive the stack's changes."""
BACKUP_PLAN_ACTIONS = (
    "backup:CreateBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan",
    "backup:GetBackupPlan", "backup:CreateBackupSelection", "backup:GetBackupSelection",
    "backup:DeleteBackupSelection", "backup:TagResource", "backup:UntagResource", "backup:ListTags")
"""The plan and its selections (a plan's ARN ends with the id AWS assigns: scoped to the
account and region)."""
RESTORE_TESTING_ACTIONS = (
    "backup:CreateRestoreTestingPlan", "backup:UpdateRestoreTestingPlan",
    "backup:DeleteRestoreTestingPlan", "backup:GetRestoreTestingPlan",
    "backup:CreateRestoreTestingSelection", "backup:UpdateRestoreTestingSelection",
    "backup:DeleteRestoreTestingSelection", "backup:GetRestoreTestingSelection",
    "backup:ListRestoreTestingSelections", "backup:TagResource", "backup:UntagResource",
    "backup:ListTags")
"""The restore-testing plan (named `<prefix with underscores>_*`: hyphens aren't allowed) and
its selections."""
BACKUP_READS = ("backup:ListBackupPlans", "backup:ListBackupVaults", "backup:ListBackupSelections",
                "backup:ListRestoreTestingPlans", "backup:DescribeRegionSettings")
BACKUP_S3_POLICIES = ("AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore")
"""AWS Backup's S3 policies, which AWS keeps outside `service-role/` (attached to the Backup
role when the plan covers a bucket)."""
RDS_BACKUP_REPLICATION = ("rds:StartDBInstanceAutomatedBackupsReplication",
                          "rds:StopDBInstanceAutomatedBackupsReplication")
"""Replicating the database's automated backups to the DR region (called there, on the source
instance and the DR region's `auto-backup:` ARN)."""
EVENTS_ACTIONS = (
    "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule",
    "events:DisableRule", "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule",
    "events:TagResource", "events:UntagResource", "events:ListTagsForResource")
"""The stack's `<prefix>-*` EventBridge rules (AWS Backup's failure notices) and their targets."""
ASSET_BUCKET_ACTIONS = ("s3:PutReplicationConfiguration", "s3:GetReplicationConfiguration",
                        "s3:PutBucketObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration")
"""What an asset bucket needs beyond the log bucket's bucket-level actions: its replication to
the DR region (`PutReplicationConfiguration` also deletes it)."""
SEARCH_DOMAIN_HEAD = 21
"""Characters of `<prefix>-...` a hash-truncated OpenSearch domain name keeps (28 - 7)."""
ATTACHABLE_AWS_POLICIES = ("service-role/*", "AmazonECSInfrastructureRolePolicyForLoadBalancers")
"""AWS-managed policies the deploy role may attach to the stack's roles (never an admin one):
service-role policies (RDS enhanced monitoring...) and the one blue/green ECS deploys use."""
CHATBOT_ACTIONS = (
    "chatbot:CreateSlackChannelConfiguration", "chatbot:UpdateSlackChannelConfiguration",
    "chatbot:DeleteSlackChannelConfiguration", "chatbot:TagResource", "chatbot:UntagResource",
    "chatbot:ListTagsForResource")
"""The deploy notices' Slack channel configuration (resource: chat-configuration/slack-channel/
<name>, a global ARN without a region: UNCONFIRMED against the Service Authorization Reference,
which was not at hand)."""


def _validate_repository(repository: str) -> None:
    if any(c in repository for c in "*?[]") or not re.match(GITHUB_REPOSITORY, repository):
        raise ValueError(f"repository {repository!r} must be exactly owner/name, without wildcards")


def subjects(repository: str, branches: list[str], environments: list[str]) -> list[str]:
    """The `sub` claims that may assume the role."""
    _validate_repository(repository)
    return ([f"repo:{repository}:ref:refs/heads/{b}" for b in branches]
            + [f"repo:{repository}:environment:{e}" for e in environments])


def trust_policy(provider_arn: str, repository: str, branches: list[str],
                 environments: list[str]) -> dict[str, Any]:
    """The role's trust policy (pure: tests read it without Pulumi)."""
    subs = subjects(repository, branches, environments)
    if not subs:
        raise ValueError("no branch or environment may deploy: the role would be unusable")
    conditions: dict[str, dict[str, Any]] = {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE}}
    if any(c in s for s in subs for c in "*?"):
        conditions["StringLike"] = {f"{GITHUB_OIDC_HOST}:sub": subs}
    else:
        conditions["StringEquals"][f"{GITHUB_OIDC_HOST}:sub"] = subs
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "GithubActionsOidc",
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": conditions,
        }],
    }


def preview_subject(repository: str) -> str:
    """The one `sub` claim that may assume the preview role: a `pull_request` job of THIS
    repository (a job that names a GitHub environment presents the environment instead)."""
    _validate_repository(repository)
    return f"repo:{repository}:pull_request"


def preview_trust_policy(provider_arn: str, repository: str) -> dict[str, Any]:
    """The preview role's trust policy (pure): the STS audience and exactly the pull_request
    subject, both StringEquals."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "GithubPullRequestsOidc",
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                                           f"{GITHUB_OIDC_HOST}:sub": preview_subject(repository)}},
        }],
    }


def _environment(tags: dict[str, str]) -> str:
    """The stack's `Environment` tag, else its Pulumi stack name."""
    return tags.get("Environment") or pulumi.get_stack()


def deploy_role_name(naming: Naming) -> str:
    """The deploy role's default name: `<prefix>-<name>-deploy`."""
    return naming.name("deploy", max_length=64)


def preview_role_name(naming: Naming) -> str:
    """The preview role's default name: `<prefix>-<name>`."""
    return naming.name(max_length=64)


def policy_name(role_name: str, group: str) -> str:
    """A deploy policy's name, `<role name>-<group>` (the role's self-deny covers them all)."""
    return Naming(prefix=role_name).name(group, max_length=128, lower=False)


def _stmt(sid: str, actions: list[str], resources: list[str] | str,
          condition: dict[str, Any] | None = None, effect: str = "Allow") -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": sid, "Effect": effect, "Action": actions, "Resource": resources}
    if condition:
        out["Condition"] = condition
    return out


def _state_objects(bucket_arn: str, project: str, environment: str) -> list[str]:
    """This stack's objects in a DIY state bucket: its checkpoint, history, backups, locks."""
    return [f"{bucket_arn}/.pulumi/*/{project}/{environment}.json*",
            f"{bucket_arn}/.pulumi/*/{project}/{environment}/*"]


# --------------------------------------------------------------------------------------------
# permissions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackServices:
    """The optional services the stack has (the roles' `queues`, `search`, `documents`, `kafka`
    Args): each adds its permissions, and a stack without it gets none of them."""

    queues: bool = False
    search: bool = False
    search_service_linked_role: bool = False
    documents: bool = False
    kafka: bool = False
    web_firewall: bool = False
    """The stack builds a web ACL: REGIONAL on the load balancer, or CLOUDFRONT-scope in
    us-east-1 with `cloudfront`."""
    cloudfront: bool = False
    dns_records: bool = False
    """The app's Route 53 records and health checks (their alarms are in us-east-1)."""
    backup: bool = False
    """An AWS Backup plan: vaults, lock, vault policy, plan, selection, restore testing."""
    assets: bool = False
    """S3 asset buckets (and their replication to the DR region)."""
    event_rules: bool = False
    """EventBridge rules (AWS Backup's failure notices, the deploy notices)."""
    chatbot: bool = False
    """A Slack channel configuration of AWS Chatbot (the deploy notices) and its role."""
    dr_region: str | None = None
    """The DR region the backups and asset replicas go to (its vault, key, replica bucket)."""

    @property
    def protection(self) -> bool:
        """Any of what the `protection` policy holds."""
        return self.backup or self.assets or self.event_rules or self.chatbot

    @property
    def stores(self) -> bool:
        """Any of the data stores whose permissions live in the `stores` policy."""
        return self.search or self.documents or self.kafka

    @property
    def edge(self) -> bool:
        """Any of the edge services whose permissions live in the `edge` policy."""
        return self.web_firewall or self.cloudfront or self.dns_records

    def regions(self, region: str) -> list[str]:
        """The regions the stack deploys to: its own, and us-east-1 when the edge puts
        resources there (CloudFront, health-check alarms) and the stack is elsewhere."""
        out = [region]
        if (self.cloudfront or self.dns_records) and region != GLOBAL_REGION:
            out.append(GLOBAL_REGION)
        if self.dr_region and self.dr_region not in out:
            out.append(self.dr_region)
        return out


def search_domain_pattern(stack_prefix: str) -> str:
    """The OpenSearch domain names `SearchDomain` derives under `stack_prefix`
    (components/search.py `domain_name`: at most 28 characters, a longer name cut to 21 plus
    `-<6-hex hash>`): `<prefix>-*`; with a prefix over 21 characters, `<its first 21>*` (a
    short name keeps the whole prefix, a long one only those 21 and the hash)."""
    prefix = domain_name(Naming(prefix=stack_prefix))
    if len(prefix) <= SEARCH_DOMAIN_HEAD:
        return f"{prefix}-*"
    return f"{prefix[:SEARCH_DOMAIN_HEAD]}*"


def policy_groups(settings: GithubPreviewRoleSettings,
                  services: StackServices | None = None) -> list[str]:
    """Names of the managed policies the role gets (known before the account id is)."""
    groups = ["network", "data", "secrets", "compute", "observability", "iam"]
    if services is not None and services.stores:
        groups.append("stores")
    if services is not None and services.edge:
        groups.append("edge")
    if services is not None and services.protection:
        groups.append("protection")
    if settings.state_bucket or settings.secrets_key_alias:
        groups.append("state")
    return groups


def deploy_policies(settings: GithubPreviewRoleSettings, *, stack_prefix: str, environment: str,
                    role_name: str,
                    account_id: str, region: str, partition: str = "aws", zone_id: str | None = None,
                    waf_acl_arn: str | None = None, project: str = "groundwork",
                    preview_role: str | None = None,
                    services: StackServices | None = None,
                    dns_zone_id: str | None = None) -> dict[str, dict[str, Any]]:
    """The permission policies of the deploy role, by group (pure). `stack_prefix` is the start
    of every physical name (`groundwork-prod`), `environment` the stack's `Environment` tag and
    Pulumi stack name, `project` the Pulumi project (its state paths),
    `preview_role` the name of the preview role (denied like the deploy role itself),
    `services` the optional services the stack has (default none), `dns_zone_id` the zone of
    the app's records when it isn't `zone_id`'s."""
    p, r, a, s = partition, region, account_id, stack_prefix
    svc = services or StackServices()
    env = environment
    in_region = {"StringEquals": {"aws:RequestedRegion": region}}
    # what the stack also keeps in us-east-1 (keys, topics, alarms, logs, certificates)
    regions = svc.regions(region)
    in_regions = {"StringEquals": {"aws:RequestedRegion": regions if len(regions) > 1 else r}}

    def each(template: str) -> list[str]:
        return [template.format(region=where) for where in regions]

    stmt = _stmt

    def doc(*statements: dict[str, Any]) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": list(statements)}

    policies: dict[str, dict[str, Any]] = {}
    # EC2/VPC resources are named by id, not by the stack's prefix: creating one requires the
    # stack's Environment tag in the request (the provider's default tags send it with every
    # create), changing or deleting one requires the tag on the resource.
    tagged_request = {"StringEquals": {**in_region["StringEquals"], "aws:RequestTag/Environment": env}}
    tagged_resource = {"StringEquals": {**in_region["StringEquals"], "aws:ResourceTag/Environment": env}}
    policies["network"] = doc(
        stmt("Ec2Read", ["ec2:Describe*"], "*", in_region),
        stmt("Ec2CreateTagged", list(EC2_CREATE), "*", tagged_request),
        stmt("Ec2TagOnCreate", ["ec2:CreateTags"], "*",
             {"StringEquals": {**in_region["StringEquals"], "ec2:CreateAction": list(EC2_CREATE)}}),
        # the VPC's default security group (and network ACL) exist before the stack adopts them:
        # it may tag one that carries no Environment tag yet, never another environment's
        stmt("Ec2AdoptDefaults", ["ec2:CreateTags"], "*",
             {**tagged_request, "StringEqualsIfExists": {"aws:ResourceTag/Environment": env}}),
        stmt("Ec2ChangeOwn", list(EC2_CHANGE), "*", tagged_resource),
    )
    rds = f"arn:{p}:rds:{r}:{a}"
    cache = f"arn:{p}:elasticache:{r}:{a}"
    secret = f"arn:{p}:secretsmanager:{r}:{a}:secret"
    key: str | list[str] = f"arn:{p}:kms:{r}:{a}:key/*"
    if len(regions) > 1:
        key = each(f"arn:{p}:kms:{{region}}:{a}:key/*")
    own_key = {"StringEquals": {"aws:ResourceTag/Environment": env}}
    policies["data"] = doc(
        stmt("RdsRead", ["rds:Describe*", "rds:ListTagsForResource"], "*", in_region),
        stmt("RdsOwn", list(RDS_ACTIONS), [f"{rds}:{kind}:{s}-*" for kind in (
            "db", "subgrp", "pg", "og", "es", "snapshot")] + [f"{rds}:og:default:*", f"{rds}:pg:default.*"]),
        stmt("CacheRead", ["elasticache:Describe*", "elasticache:ListTagsForResource"], "*", in_region),
        stmt("CacheOwn", list(ELASTICACHE_ACTIONS), [f"{cache}:{kind}:{s}-*" for kind in (
            "replicationgroup", "cluster", "subnetgroup", "parametergroup", "snapshot", "usergroup",
            "user")] + [f"{cache}:parametergroup:default.*"]),
        *([stmt("QueuesOwn", list(SQS_ACTIONS), f"arn:{p}:sqs:{r}:{a}:{s}-*"),
           stmt("QueuesList", ["sqs:ListQueues"], "*", in_region)] if svc.queues else []),
    )
    policies["secrets"] = doc(
        stmt("SecretsOwn", list(SECRETS_ACTIONS), f"{secret}:{s}-*"),
        stmt("RdsManagedSecret", ["secretsmanager:CreateSecret", "secretsmanager:TagResource",
                                  "secretsmanager:RotateSecret", "secretsmanager:DescribeSecret",
                                  "secretsmanager:DeleteSecret"], f"{secret}:rds!*"),
        stmt("SecretsRead", ["secretsmanager:ListSecrets", "secretsmanager:GetRandomPassword"], "*",
             in_region),
        stmt("KmsCreate", ["kms:CreateKey", "kms:ListKeys", "kms:ListAliases"], "*",
             {**in_regions, "StringEqualsIfExists": {"aws:RequestTag/Environment": env}}),
        stmt("KmsOwnKeys", list(KMS_MANAGE), key, own_key),
        # using the stack's keys: only through the services that encrypt the stack's data with
        # them (the account and region pinned: never every key, KMS.1)
        stmt("KmsUseOwnKeys", list(KMS_USE), key, {
            "StringEquals": {"aws:ResourceTag/Environment": env,
                             "kms:ViaService": [f"{via}.{r}.amazonaws.com"
                                                for via in _kms_via(svc)] + [
                                 f"{via}.{where}.amazonaws.com" for where in regions[1:]
                                 for via in ("logs", "sns")]}}),
        stmt("KmsGrantsForServices", ["kms:CreateGrant"], key, {
            **own_key, "Bool": {"kms:GrantIsForAWSResource": "true"}}),
        stmt("KmsOwnAliases", ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
             each(f"arn:{p}:kms:{{region}}:{a}:alias/{s}-*") if len(regions) > 1
             else f"arn:{p}:kms:{r}:{a}:alias/{s}-*"),
    )
    if svc.stores:
        policies["stores"] = doc(*_store_statements(svc, p=p, r=r, a=a, s=s, env=env))
    ecs = f"arn:{p}:ecs:{r}:{a}"
    elb = f"arn:{p}:elasticloadbalancing:{r}:{a}"
    zone = _zones(p, zone_id, dns_zone_id)
    compute = [
        stmt("EcsOwn", list(ECS_ACTIONS), [f"{ecs}:cluster/{s}-*", f"{ecs}:service/{s}-*/*",
                                           f"{ecs}:task-definition/{s}-*:*", f"{ecs}:task/{s}-*/*"]),
        # no resource-level permissions for these (task definitions are registered by family)
        stmt("EcsUnscoped", ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition",
                             "ecs:Describe*", "ecs:List*", "ecs:TagResource"], "*", in_region),
        stmt("ElbRead", ["elasticloadbalancing:Describe*"], "*", in_region),
        stmt("ElbOwn", list(ELB_ACTIONS), [
            f"{elb}:loadbalancer/app/{s}-*/*", f"{elb}:targetgroup/{s}-*/*",
            f"{elb}:listener/app/{s}-*/*", f"{elb}:listener-rule/app/{s}-*/*"]),
        stmt("EcrOwn", list(ECR_ACTIONS), f"arn:{p}:ecr:{r}:{a}:repository/{s}-*"),
        stmt("FunctionsOwn", list(LAMBDA_ACTIONS), f"arn:{p}:lambda:{r}:{a}:function:{s}-*"),
        stmt("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
        # scalable targets and policies have ids, not names: tagged like the EC2 resources
        stmt("AutoscalingRead", ["application-autoscaling:Describe*",
                                 "application-autoscaling:ListTagsForResource"], "*", in_region),
        stmt("AutoscalingOwn", list(AUTOSCALING_ACTIONS), "*", in_region),
        stmt("Certificates", ["acm:RequestCertificate", "acm:DescribeCertificate", "acm:DeleteCertificate",
                              "acm:ListCertificates", "acm:AddTagsToCertificate",
                              "acm:ListTagsForCertificate", "acm:RemoveTagsFromCertificate"], "*",
             in_regions),
        stmt("DnsValidation", ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
                               "route53:GetHostedZone", "route53:ListTagsForResource"], zone),
        stmt("DnsRead", ["route53:GetChange", "route53:ListHostedZones"], "*"),
    ]
    if waf_acl_arn:
        compute.append(stmt("Waf", ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
                                    "wafv2:GetWebACLForResource", "wafv2:GetWebACL"],
                            [waf_acl_arn, f"{elb}:loadbalancer/app/{s}-*/*"]))
        compute.append(stmt("WafOnLoadBalancer", ["elasticloadbalancing:SetWebAcl"],
                            f"{elb}:loadbalancer/app/{s}-*/*"))
    policies["compute"] = doc(*compute)
    if svc.edge:
        policies["edge"] = doc(*_edge_statements(svc, p=p, r=r, a=a, s=s, elb=elb))
    if svc.protection:
        policies["protection"] = doc(*_protection_statements(svc, p=p, r=r, a=a, s=s, env=env))
    logs = f"arn:{p}:logs:{r}:{a}:log-group"
    cw = f"arn:{p}:cloudwatch:{r}:{a}"
    bucket = f"arn:{p}:s3:::{s}-*"
    east_logs = [f"arn:{p}:logs:{where}:{a}:log-group:*{s}-*" for where in regions[1:]]
    policies["observability"] = doc(
        # the network's flow-log group lives under /groundwork/<prefix>/, whatever the project;
        # the WAF's is aws-waf-logs-<prefix>-... (in us-east-1 for a CLOUDFRONT-scope ACL)
        stmt("LogsOwn", list(LOGS_ACTIONS), [f"{logs}:*{s}-*", f"{logs}:/groundwork/{s}/*", *(
            [f"{logs}:/aws/OpenSearchService/domains/{search_domain_pattern(s)}/*"]
            if svc.search else []), *east_logs]),
        stmt("LogsRead", ["logs:DescribeLogGroups", "logs:ListTagsForResource"], "*", in_regions),
        # vended log deliveries have no resource-level permissions
        stmt("LogDelivery", ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                             "logs:DeleteLogDelivery", "logs:ListLogDeliveries"], "*", in_regions),
        # OpenSearch's log groups need a resource policy, MSK's broker-log delivery and WAF
        # logging write one; a log resource policy admits only AWS services'
        # CreateLogStream/PutLogEvents
        *([stmt("LogResourcePolicies", list(LOG_RESOURCE_POLICIES), "*", in_regions)]
          if svc.search or svc.kafka or svc.web_firewall else []),
        stmt("AlarmsOwn", ["cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm",
                           "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource",
                           "cloudwatch:ListTagsForResource", "cloudwatch:EnableAlarmActions",
                           "cloudwatch:DisableAlarmActions"],
             each(f"arn:{p}:cloudwatch:{{region}}:{a}:alarm:{s}-*") if len(regions) > 1
             else f"{cw}:alarm:{s}-*"),
        stmt("Dashboards", ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard",
                            "cloudwatch:DeleteDashboards"], f"arn:{p}:cloudwatch::{a}:dashboard/{s}-*"),
        stmt("CloudWatchRead", ["cloudwatch:DescribeAlarms", "cloudwatch:ListDashboards",
                                "cloudwatch:ListTagsForResource"], "*", in_regions),
        stmt("TopicsOwn", list(SNS_ACTIONS), each(f"arn:{p}:sns:{{region}}:{a}:{s}-*")
             if len(regions) > 1 else f"arn:{p}:sns:{r}:{a}:{s}-*"),
        stmt("TopicsRead", ["sns:ListTopics", "sns:ListSubscriptions"], "*", in_regions),
        # bucket-level actions only: `<prefix>-*` also matches the bucket's objects
        stmt("LogBucket", ["s3:GetBucket*", *S3_BUCKET_ACTIONS], bucket),
        stmt("LogBucketEmpty", ["s3:DeleteObject", "s3:DeleteObjectVersion"], f"{bucket}/*"),
    )
    iam = f"arn:{p}:iam::{a}"
    self_policies = f"{iam}:policy/{role_name}-*"
    policies["iam"] = doc(
        stmt("RolesOwn", [
            "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags",
            "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"], f"{iam}:role/{s}-*"),
        stmt("AttachKnownPolicies", ["iam:AttachRolePolicy", "iam:DetachRolePolicy"], f"{iam}:role/{s}-*",
             {"ArnLike": {"iam:PolicyARN": [*(f"arn:{p}:iam::aws:policy/{name}"
                                              for name in (*ATTACHABLE_AWS_POLICIES, *(
                                                  BACKUP_S3_POLICIES if svc.backup else ()))),
                                            f"{iam}:policy/{s}-*"]}}),
        stmt("PoliciesOwn", ["iam:CreatePolicy", "iam:DeletePolicy", "iam:GetPolicy", "iam:GetPolicyVersion",
                             "iam:ListPolicyVersions", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion",
                             "iam:TagPolicy", "iam:UntagPolicy", "iam:ListEntitiesForPolicy"],
             f"{iam}:policy/{s}-*"),
        stmt("ReadManagedPolicies", ["iam:GetPolicy", "iam:GetPolicyVersion"], f"arn:{p}:iam::aws:policy/*"),
        stmt("PassOwnRoles", ["iam:PassRole"], f"{iam}:role/{s}-*",
             {"StringEquals": {"iam:PassedToService": list(PASSABLE_TO)}}),
        stmt("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], "*",
             {"StringEquals": {"iam:AWSServiceName": [
                 *SERVICE_LINKED, *([SEARCH_SERVICE_LINKED] if svc.search_service_linked_role else []),
                 *(KAFKA_SERVICE_LINKED if svc.kafka else ()),
                 *([CLOUDFRONT_SERVICE_LINKED] if svc.cloudfront else [])]}}),
        # MSK sets up its own service-linked role when it creates it (the managed policy's rule)
        *([stmt("KafkaServiceLinkedRole", ["iam:AttachRolePolicy", "iam:PutRolePolicy"],
                f"{iam}:role/aws-service-role/kafka.amazonaws.com/AWSServiceRoleForKafka*")]
          if svc.kafka else []),
        stmt("ReadOidcProvider", ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviders"], "*"),
        {
            # Everything but reads on the role itself, its own policies and the OIDC provider:
            # a workflow can't widen who may assume it or what it may do.
            "Sid": "NeverWidenItself",
            "Effect": "Deny",
            "NotAction": list(SELF_READS),
            "Resource": [f"{iam}:role/{role_name}", self_policies,
                         *([f"{iam}:role/{preview_role}"] if preview_role else []),
                         f"{iam}:oidc-provider/{GITHUB_OIDC_HOST}"],
        },
    )
    if settings.state_bucket or settings.secrets_key_alias:
        state: list[dict[str, Any]] = []
        if settings.state_bucket:
            bucket = f"arn:{p}:s3:::{settings.state_bucket}"
            own = _state_objects(bucket, project, env)
            state += [
                stmt("StateBucket", ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"],
                     bucket),
                stmt("StateRead", ["s3:GetObject"], [f"{bucket}/.pulumi/meta.yaml", *own]),
                stmt("StateWrite", ["s3:PutObject", "s3:DeleteObject"], own),
            ]
        if settings.secrets_key_alias:
            by_alias = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": settings.secrets_key_alias}}
            state.append(stmt("SecretsProvider", ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey",
                                                  "kms:DescribeKey"], f"arn:{p}:kms:{r}:{a}:key/*",
                              by_alias))
        policies["state"] = doc(*state)
    for group, document in policies.items():
        for statement in document["Statement"]:
            wide = [a for a in statement.get("Action", []) if _service_wide(a)]
            if statement["Effect"] == "Allow" and (wide or "NotAction" in statement):
                raise ValueError(f"the deploy role's {group} policy ({statement['Sid']}) must name "
                                 f"actions, not {wide or 'NotAction'} (IAM.21)")
    return policies


def _zones(partition: str, zone_id: str | None, dns_zone_id: str | None) -> str | list[str]:
    """The hosted zones the stack writes records in: the certificate's and the app records'
    (one ARN when they are the same zone; every zone when neither is known)."""
    zones = list(dict.fromkeys(z for z in (zone_id, dns_zone_id) if z))
    if not zones:
        return f"arn:{partition}:route53:::hostedzone/*"
    arns = [f"arn:{partition}:route53:::hostedzone/{z}" for z in zones]
    return arns[0] if len(arns) == 1 else arns


def _service_wide(action: str) -> bool:
    """`svc:*`, `*`, `svc:**`: every action of a service (what IAM.21 refuses)."""
    _, _, verb = action.rpartition(":")
    return set(verb) <= {"*", "?"}


def _kms_via(services: StackServices) -> list[str]:
    """`KMS_VIA` plus the optional services that encrypt with the stack's keys (DocumentDB goes
    through `rds`)."""
    return [*KMS_VIA, *(["sqs"] if services.queues else []), *(["es"] if services.search else []),
            *(["kafka"] if services.kafka else []), *(["backup"] if services.backup else [])]


def _protection_statements(services: StackServices, *, p: str, r: str, a: str, s: str,
                           env: str) -> list[dict[str, Any]]:
    """The `protection` policy: the AWS Backup plan (its vaults here and in the DR region,
    lock, vault policies, plan, selection, restore testing, passing the Backup role to AWS
    Backup only), RDS automated backup replication to the DR region, the asset buckets'
    replication (passing their replication role to S3 only) and the EventBridge rules; each
    only when the stack has it, every ARN on the stack's prefix where AWS names it so."""
    dr = services.dr_region
    regions = [r, *([dr] if dr and dr != r else [])]
    where = {"StringEquals": {"aws:RequestedRegion": regions if len(regions) > 1 else r}}
    iam = f"arn:{p}:iam::{a}"
    out: list[dict[str, Any]] = []
    if services.backup:
        out += [
            _stmt("BackupVaultsOwn", list(BACKUP_VAULT_ACTIONS),
                  [f"arn:{p}:backup:{w}:{a}:backup-vault:{s}-*" for w in regions]),
            _stmt("BackupPlansOwn", list(BACKUP_PLAN_ACTIONS), f"arn:{p}:backup:{r}:{a}:backup-plan:*"),
            _stmt("BackupRestoreTestingOwn", list(RESTORE_TESTING_ACTIONS),
                  f"arn:{p}:backup:{r}:{a}:restore-testing-plan:{s.replace('-', '_')}_*"),
            _stmt("BackupRead", list(BACKUP_READS), "*", where),
            # a vault's storage: AWS Backup checks it on the caller when a vault is created
            _stmt("BackupStorage", ["backup-storage:MountCapsule"], "*", where),
            _stmt("PassBackupRole", ["iam:PassRole"], f"{iam}:role/{s}-backup-*",
                  {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}),
        ]
        if dr:
            out += [
                _stmt("RdsBackupReplication", list(RDS_BACKUP_REPLICATION),
                      [f"arn:{p}:rds:{r}:{a}:db:{s}-*", f"arn:{p}:rds:{dr}:{a}:auto-backup:*"]),
                _stmt("RdsBackupReplicationRead", ["rds:DescribeDBInstanceAutomatedBackups"], "*",
                      where),
            ]
    if dr and (services.backup or services.assets):
        # the DR region's keys, through the services that encrypt with them there
        out.append(_stmt("KmsUseDrKeys", list(KMS_USE), f"arn:{p}:kms:{dr}:{a}:key/*", {
            "StringEquals": {"aws:ResourceTag/Environment": env, "kms:ViaService": [
                f"{via}.{dr}.amazonaws.com" for via in ("backup", "rds", "s3")]}}))
    if services.assets:
        out += [
            _stmt("AssetBucketsReplication", list(ASSET_BUCKET_ACTIONS), f"arn:{p}:s3:::{s}-*"),
            _stmt("PassReplicationRole", ["iam:PassRole"], f"{iam}:role/{s}-*replication*",
                  {"StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}}),
        ]
    if services.event_rules:
        out += [
            _stmt("EventRulesOwn", list(EVENTS_ACTIONS), f"arn:{p}:events:{r}:{a}:rule/{s}-*"),
            _stmt("EventRulesRead", ["events:ListRules"], "*",
                  {"StringEquals": {"aws:RequestedRegion": r}}),
        ]
    if services.chatbot:
        # Chatbot configurations are global (no region in their ARN)
        out += [
            _stmt("ChatbotOwn", list(CHATBOT_ACTIONS),
                  f"arn:{p}:chatbot::{a}:chat-configuration/slack-channel/{s}-*"),
            _stmt("ChatbotRead", ["chatbot:DescribeSlackChannelConfigurations",
                                  "chatbot:DescribeSlackWorkspaces"], "*"),
            _stmt("PassChatbotRole", ["iam:PassRole"], f"arn:{p}:iam::{a}:role/{s}-*chatbot*",
                  {"StringEquals": {"iam:PassedToService": "chatbot.amazonaws.com"}}),
        ]
    return out


def _edge_statements(services: StackServices, *, p: str, r: str, a: str, s: str,
                     elb: str) -> list[dict[str, Any]]:
    """The `edge` policy: the web ACL (REGIONAL on the ALB in the stack's region, or
    CLOUDFRONT-scope in us-east-1), the CloudFront distribution and its log delivery (in
    us-east-1), the Route 53 health checks; each only when the stack has it. Their keys,
    topics, alarms, log groups and certificates in us-east-1 are the other policies' (their
    statements name every region of `StackServices.regions`)."""
    out: list[dict[str, Any]] = []
    load_balancer = f"{elb}:loadbalancer/app/{s}-*/*"
    if services.web_firewall:
        scope, where = ("global", GLOBAL_REGION) if services.cloudfront else ("regional", r)
        waf = f"arn:{p}:wafv2:{where}:{a}:{scope}"
        out += [
            # AWS's managed rule groups are checked on create/update of an ACL naming them
            _stmt("WebAclsOwn", list(WAF_ACTIONS), [f"{waf}/webacl/{s}-*/*", f"{waf}/ipset/{s}-*/*",
                                                    f"{waf}/managedruleset/*/*"]),
            _stmt("WebAclsRead", list(WAF_LIST), "*",
                  {"StringEquals": {"aws:RequestedRegion": where}}),
        ]
        if not services.cloudfront:
            out += [
                _stmt("WebAclOnLoadBalancer", list(WAF_ASSOCIATION),
                      [f"{waf}/webacl/{s}-*/*", load_balancer]),
                _stmt("LoadBalancerWebAcl", ["elasticloadbalancing:SetWebAcl"], load_balancer),
            ]
    if services.cloudfront:
        cf = f"arn:{p}:cloudfront::{a}"
        east = {"StringEquals": {"aws:RequestedRegion": GLOBAL_REGION}}
        delivery = f"arn:{p}:logs:{GLOBAL_REGION}:{a}"
        out += [
            _stmt("CloudFrontOwn", list(CLOUDFRONT_ACTIONS), [
                f"{cf}:distribution/*", f"{cf}:vpcorigin/*", f"{cf}:response-headers-policy/*",
                f"{cf}:origin-request-policy/*", f"{cf}:cache-policy/*"]),
            _stmt("CloudFrontList", list(CLOUDFRONT_LIST), "*", east),
            _stmt("CloudFrontLogDelivery", list(LOG_DELIVERY_V2), [
                f"{delivery}:delivery-source:{s}-*", f"{delivery}:delivery-destination:{s}-*",
                f"{delivery}:delivery:*"]),
            _stmt("CloudFrontLogDeliveryRead", list(LOG_DELIVERY_V2_LIST), "*", east),
        ]
    if services.dns_records:
        # the records are the zone's (DnsValidation); CreateHealthCheck has no resource
        out += [
            _stmt("HealthChecksCreate", ["route53:CreateHealthCheck"], "*"),
            _stmt("HealthChecksOwn", list(HEALTH_CHECK_ACTIONS), f"arn:{p}:route53:::healthcheck/*"),
        ]
    return out


def _store_statements(services: StackServices, *, p: str, r: str, a: str, s: str,
                      env: str) -> list[dict[str, Any]]:
    """The `stores` policy: OpenSearch, DocumentDB and MSK, each only when the stack has it."""
    in_region = {"StringEquals": {"aws:RequestedRegion": r}}
    out: list[dict[str, Any]] = []
    if services.search:
        out += [
            _stmt("SearchOwn", list(ES_ACTIONS),
                  f"arn:{p}:es:{r}:{a}:domain/{search_domain_pattern(s)}"),
            _stmt("SearchRead", ["es:DescribeDomains", "es:ListDomainNames", "es:ListVersions",
                                 "es:DescribeInstanceTypeLimits"], "*", in_region),
        ]
    if services.documents:
        rds = f"arn:{p}:rds:{r}:{a}"
        out.append(_stmt("DocumentsOwn", list(DOCDB_ACTIONS), [f"{rds}:{kind}:{s}-*" for kind in (
            "cluster", "cluster-pg", "cluster-snapshot", "subgrp", "db")]))
    if services.kafka:
        kafka = f"arn:{p}:kafka:{r}:{a}"
        out += [
            _stmt("KafkaOwn", list(KAFKA_ACTIONS),
                  [f"{kafka}:cluster/{s}-*/*", f"{kafka}:configuration/{s}-*/*"]),
            _stmt("KafkaCreateTagged", list(KAFKA_CREATE), "*",
                  {"StringEquals": {**in_region["StringEquals"], "aws:RequestTag/Environment": env}}),
            # configurations carry no tags; their ARN ends with a UUID the create assigns
            _stmt("KafkaCreateConfiguration", ["kafka:CreateConfiguration"], "*", in_region),
            _stmt("KafkaRead", ["kafka:ListClusters", "kafka:ListClustersV2", "kafka:ListConfigurations",
                                "kafka:ListKafkaVersions", "kafka:GetCompatibleKafkaVersions"], "*",
                  in_region),
        ]
    return out


def preview_policy(settings: GithubPreviewRoleSettings, *, stack_prefix: str, environment: str,
                   account_id: str,
                   region: str, partition: str = "aws", zone_id: str | None = None,
                   waf_acl_arn: str | None = None, project: str = "groundwork",
                   services: StackServices | None = None,
                   dns_zone_id: str | None = None) -> dict[str, Any]:
    """The preview role's one inline policy (pure): what `pulumi preview` of this stack reads
    (`services`: the optional services it has, default none).

    A preview runs the program and diffs it against the state: it reads the state and decrypts
    its secrets; the Describe/List/Get below also cover the provider's reads of the stack's
    resources, except the secret versions' values (so no `--refresh`). Wildcards only where
    every matching action is metadata (`ec2:Describe*`, never `ec2:Get*`, which holds
    `GetPasswordData`); explicit lists where a service's Get returns data (Secrets Manager, S3,
    CloudWatch Logs, ECR, KMS). Raises if an allowed action is not a read.
    """
    p, r, a, s = partition, region, account_id, stack_prefix
    svc = services or StackServices()
    in_region = {"StringEquals": {"aws:RequestedRegion": region}}
    statements = [
        _stmt("StackServicesRead", [
            "ec2:Describe*",
            "elasticloadbalancing:Describe*",
            "ecs:Describe*", "ecs:List*",
            "rds:Describe*", "rds:ListTagsForResource",
            "elasticache:Describe*", "elasticache:List*",
            "application-autoscaling:Describe*", "application-autoscaling:ListTagsForResource",
            "acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate",
            "ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy",
            "ecr:GetRepositoryPolicy",
            "logs:Describe*", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
            "cloudwatch:Describe*", "cloudwatch:List*", "cloudwatch:GetDashboard",
            "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListTopics",
            "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource",
            "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:List*",
            "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
            "secretsmanager:ListSecrets", "secretsmanager:ListSecretVersionIds",
            *(["wafv2:GetWebACL", "wafv2:GetWebACLForResource"] if waf_acl_arn else []),
            # DocumentDB is read through rds:Describe*; never sqs:ReceiveMessage (the messages)
            *(["sqs:ListQueues"] if svc.queues else []),
            *(["es:DescribeDomain", "es:DescribeDomains", "es:DescribeDomainConfig",
               "es:ListDomainNames", "es:ListTags"] if svc.search else []),
            *(["kafka:DescribeCluster", "kafka:DescribeClusterV2", "kafka:DescribeConfiguration",
               "kafka:DescribeConfigurationRevision", "kafka:GetBootstrapBrokers",
               "kafka:ListTagsForResource", "kafka:ListClusters", "kafka:ListClustersV2",
               "kafka:ListConfigurations"] if svc.kafka else []),
        ], "*", in_region),
        *([_stmt("QueuesRead", ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags",
                                "sqs:ListDeadLetterSourceQueues"], f"arn:{p}:sqs:{r}:{a}:{s}-*")]
          if svc.queues else []),
        _stmt("IamRead", ["iam:Get*", "iam:List*"], [
            f"arn:{p}:iam::{a}:role/{s}-*", f"arn:{p}:iam::{a}:policy/{s}-*",
            f"arn:{p}:iam::aws:policy/*", f"arn:{p}:iam::{a}:oidc-provider/{GITHUB_OIDC_HOST}"]),
        _stmt("IamListProviders", ["iam:ListOpenIDConnectProviders"], "*"),
        _stmt("FunctionsRead", ["lambda:GetFunction", "lambda:GetFunctionConfiguration",
                                "lambda:GetFunctionCodeSigningConfig", "lambda:GetPolicy",
                                "lambda:ListVersionsByFunction", "lambda:ListTags"],
              f"arn:{p}:lambda:{r}:{a}:function:{s}-*"),
        # bucket-level reads only: `s3:Get*` on `<prefix>-*` would match the objects too
        _stmt("LogBucketRead", ["s3:ListBucket", "s3:GetBucket*", "s3:GetLifecycleConfiguration",
                                "s3:GetEncryptionConfiguration", "s3:GetReplicationConfiguration",
                                "s3:GetAccelerateConfiguration"], f"arn:{p}:s3:::{s}-*"),
        _stmt("DnsRead", ["route53:GetHostedZone", "route53:ListResourceRecordSets",
                          "route53:ListTagsForResource"],
              _zones(p, zone_id, dns_zone_id)),
        _stmt("DnsList", ["route53:GetChange", "route53:ListHostedZones"], "*"),
        *_edge_reads(svc, p=p, r=r, a=a, s=s),
        *_protection_reads(svc, r=r),
    ]
    if settings.state_bucket:
        bucket = f"arn:{p}:s3:::{settings.state_bucket}"
        statements += [
            _stmt("StateBucket", ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"],
                  bucket),
            _stmt("StateRead", ["s3:GetObject"], [f"{bucket}/.pulumi/meta.yaml",
                                                  *_state_objects(bucket, project, environment)]),
        ]
    if settings.secrets_key_alias:
        statements.append(_stmt(
            "SecretsProviderDecrypt", [PREVIEW_DECRYPT], f"arn:{p}:kms:{r}:{a}:key/*",
            {"ForAnyValue:StringEquals": {"kms:ResourceAliases": settings.secrets_key_alias}}))
    # Belt and braces: even a policy attached to this role later can't read a secret value.
    statements.append(_stmt("NeverSecretValues", ["secretsmanager:GetSecretValue",
                                                  "secretsmanager:BatchGetSecretValue"], "*",
                            effect="Deny"))
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        for action in statement["Action"]:
            verb = action.split(":", 1)[1]
            if action != PREVIEW_DECRYPT and not verb.startswith(READ_VERBS):
                raise ValueError(f"the preview role must stay read-only, not {action}")
    return {"Version": "2012-10-17", "Statement": statements}


WAF_READS = ("wafv2:GetWebACL", "wafv2:GetIPSet", "wafv2:GetLoggingConfiguration",
             "wafv2:GetWebACLForResource", "wafv2:ListTagsForResource", "wafv2:ListWebACLs",
             "wafv2:ListIPSets")
CLOUDFRONT_READS = ("cloudfront:GetDistribution", "cloudfront:GetDistributionConfig",
                    "cloudfront:GetVpcOrigin", "cloudfront:GetResponseHeadersPolicy",
                    "cloudfront:GetOriginRequestPolicy", "cloudfront:GetCachePolicy",
                    "cloudfront:ListTagsForResource", *CLOUDFRONT_LIST)
LOG_DELIVERY_READS = ("logs:GetDeliverySource", "logs:GetDeliveryDestination", "logs:GetDelivery",
                      "logs:ListTagsForResource", *LOG_DELIVERY_V2_LIST)
EAST_READS = ("acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate",
              "logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:ListTagsForResource",
              "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource",
              "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListTopics",
              "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource", "kms:DescribeKey",
              "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases",
              "kms:ListResourceTags")
"""What the preview reads of the stack's us-east-1 side when the stack is elsewhere (its
certificate, log groups, alarms, topics and keys there)."""


def _edge_reads(services: StackServices, *, p: str, r: str, a: str, s: str) -> list[dict[str, Any]]:
    """The preview role's reads of the edge the stack has (none without it): the web ACL, the
    distribution and its log delivery, the health checks, and the stack's us-east-1 side."""
    regions = services.regions(r)
    out: list[dict[str, Any]] = []
    if services.web_firewall:
        where = GLOBAL_REGION if services.cloudfront else r
        out.append(_stmt("WebAclsRead", list(WAF_READS), "*",
                         {"StringEquals": {"aws:RequestedRegion": where}}))
    if services.cloudfront:
        out.append(_stmt("CloudFrontRead", [*CLOUDFRONT_READS, *LOG_DELIVERY_READS], "*",
                         {"StringEquals": {"aws:RequestedRegion": GLOBAL_REGION}}))
    if services.dns_records:
        out.append(_stmt("HealthChecksRead", ["route53:GetHealthCheck",
                                              "route53:ListTagsForResource"],
                         f"arn:{p}:route53:::healthcheck/*"))
    if len(regions) > 1:
        out.append(_stmt("UsEast1Read", list(EAST_READS), "*",
                         {"StringEquals": {"aws:RequestedRegion": regions[1:]}}))
    return out


def _protection_reads(services: StackServices, *, r: str) -> list[dict[str, Any]]:
    """The preview role's reads of the backup plan (here and in the DR region), the asset
    buckets' replication and the EventBridge rules (none without them)."""
    out: list[dict[str, Any]] = []
    regions = [r, *([services.dr_region] if services.dr_region else [])]
    where = {"StringEquals": {"aws:RequestedRegion": regions if len(regions) > 1 else r}}
    if services.backup:
        out.append(_stmt("BackupReadOnly", [
            "backup:DescribeBackupVault", "backup:GetBackupVaultAccessPolicy", "backup:GetBackupPlan",
            "backup:GetBackupSelection", "backup:GetRestoreTestingPlan",
            "backup:GetRestoreTestingSelection", "backup:ListTags", *BACKUP_READS,
            "rds:DescribeDBInstanceAutomatedBackups", "kms:DescribeKey", "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags"], "*", where))
    if services.event_rules:
        out.append(_stmt("EventRulesReadOnly", ["events:DescribeRule", "events:ListRules",
                                                "events:ListTargetsByRule",
                                                "events:ListTagsForResource"], "*",
                         {"StringEquals": {"aws:RequestedRegion": r}}))
    if services.chatbot:
        out.append(_stmt("ChatbotReadOnly", ["chatbot:DescribeSlackChannelConfigurations",
                                             "chatbot:ListTagsForResource"], "*"))
    return out


def policy_size(document: dict[str, Any]) -> int:
    """Characters IAM counts against the managed-policy limit (whitespace excluded)."""
    return len("".join(json.dumps(document, separators=(",", ":")).split()))


# --------------------------------------------------------------------------------------------
# the component
# --------------------------------------------------------------------------------------------


class GithubPreviewRoleSettings(ArgsModel):
    """What the preview role trusts and may read besides the stack: the repository, the state
    bucket and the secrets-provider key."""

    repository: str = ""
    """`owner/name` of the repository whose workflows may assume the role (required; no
    wildcards)."""
    state_bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None = None
    """Pulumi state bucket the role may read and write this stack's state in (default none:
    grant it elsewhere). See `groundwork bootstrap-state`."""
    secrets_key_alias: Annotated[str, Field(pattern=r"^alias/[A-Za-z0-9/_-]{1,250}$")] | None = None
    """KMS alias of the `awskms://` secrets provider the role may use (default none)."""

    @field_validator("repository")
    @classmethod
    def _repository(cls, v: str) -> str:
        if any(c in v for c in "*?[]"):
            raise ValueError(f"{v!r} has a wildcard; name exactly one repository as owner/name")
        if not re.match(GITHUB_REPOSITORY, v):
            raise ValueError(f"{v!r} is not a GitHub repository as owner/name")
        return v


class GithubDeployRoleSettings(GithubPreviewRoleSettings):
    """The GitHub Actions deploy role (OIDC: no static AWS keys anywhere).

    Only workflows of one repository, on the given branches or GitHub environments, can assume
    it, for at most an hour; pull requests of that repository get a separate read-only preview
    role (`preview`). See docs/operations.md."""

    branches: list[Annotated[str, Field(pattern=GIT_REF_PATTERN)]] = Field(
        default_factory=lambda: ["main"])
    """Branches whose workflows may deploy (default main). `release/*` style patterns are allowed;
    a bare `*` (any branch anyone can push) is not. Jobs that name a GitHub `environment` present
    the environment instead of the branch: list it in `environments`."""
    environments: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9._ -]{1,255}$")]] = Field(
        default_factory=list)
    """GitHub environments whose jobs may deploy (default none). Use one with required reviewers
    for prod: the approval gate is then enforced by AWS too."""
    oidc_provider_arn: str | None = None
    """Existing GitHub OIDC provider (default: create one). An account holds one provider per
    URL: when dev and prod share an account, create it in one stack and pass its ARN to the other."""
    preview: bool = True
    """Also create the read-only preview role (default true) that pull-request workflows
    assume for `pulumi preview` (output `preview_role_arn`). It trusts only
    `repo:<repository>:pull_request`, so any branch pusher can assume it from a workflow of their
    own: it may Describe/List/Get what the stack uses, read this stack's state and decrypt with
    `secrets_key_alias`, never write or read a secret value. Forked pull requests get no OIDC
    token at all. False: no preview role."""

    @field_validator("branches")
    @classmethod
    def _branches(cls, v: list[str]) -> list[str]:
        broad = [b for b in v if b.strip("*/") == ""]
        if broad:
            raise ValueError(f"{', '.join(broad)} would let any branch deploy; name the branches "
                             "(patterns such as release/* are fine)")
        return v

    @field_validator("oidc_provider_arn")
    @classmethod
    def _provider(cls, v: Any) -> Any:
        if isinstance(v, str) and not re.match(GITHUB_OIDC_PROVIDER_ARN, v):
            raise ValueError(f"{v!r} is not the ARN of a GitHub OIDC provider "
                             "(arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)")
        return v

    @model_validator(mode="after")
    def _someone(self) -> GithubDeployRoleSettings:
        if not self.branches and not self.environments:
            raise ValueError("set branches or environments: with neither, no workflow may deploy")
        return self


class _RoleArgs(ComponentArgs):
    """What both roles take besides their settings."""

    role_name: str = ""
    """The IAM role's name (default "": derived from the component's name). Set it only to keep
    the name of a role created before: its ARN is what the workflows are given."""
    zone_id: str | None = None
    """Route 53 zone the load balancer's certificate is validated in (default none: any zone,
    only needed when the stack validates its own certificate)."""
    dns_zone_id: str | None = None
    """Route 53 zone of the app's records when it isn't `zone_id` (default none: `zone_id`'s,
    or no other zone)."""
    waf_acl_arn: str | None = None
    """WAF web ACL the stack associates with its load balancer (default none: no WAF
    permissions)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""
    queues: bool = False
    """The stack has SQS queues (default false: no `sqs:` permissions). Manages and reads the
    `<prefix>-*` queues; never sends, receives or purges a message."""
    search: bool = False
    """The stack has an OpenSearch domain (`SearchDomain`; default false: no `es:` permissions).
    Manages the `<prefix>-*` domain (`search_domain_pattern`) and its log groups' resource
    policies; never the domain's data (`es:ESHttp*`)."""
    search_service_linked_role: bool = False
    """The stack creates OpenSearch's service-linked role (`SearchDomain`'s
    `create_service_linked_role`; default false: the role may not create it)."""
    documents: bool = False
    """The stack has a DocumentDB cluster (`DocumentDatabase`; default false: no cluster
    permissions). Manages the `<prefix>-*` cluster, instances and groups (RDS API)."""
    kafka: bool = False
    """The stack has an MSK cluster (`Kafka`; default false: no `kafka:` permissions). Manages
    the `<prefix>-*` cluster and configuration, broker-log delivery and MSK's service-linked
    role."""
    web_firewall: bool = False
    """The stack builds its web ACL (`WebFirewall`; default false: no `wafv2:` permissions
    beyond `waf_acl_arn`'s). Manages the `<prefix>-*` ACL and IP sets, their logging to an
    `aws-waf-logs-` group and its resource policy; REGIONAL and associated with the load
    balancer, or CLOUDFRONT-scope in us-east-1 with `cloudfront`."""
    cloudfront: bool = False
    """The stack has a CloudFront distribution (`CloudFrontDistribution`; default false: no
    `cloudfront:` permissions). Manages the account's distributions, VPC origins and
    response-headers/origin-request policies (their ARNs carry ids), the `<prefix>-*` log
    delivery in us-east-1, the us-east-1 certificate, keys, topics and alarms, and CloudFront's
    VPC-origin service-linked role."""
    dns_records: bool = False
    """The stack creates the app's Route 53 records and health checks (`DomainRecords`; default
    false: no health-check permissions). Records in `zone_id`; the health checks' alarms in
    us-east-1."""
    backup: bool = False
    """The stack has an AWS Backup plan (`BackupPlan`; default false: no `backup:` permissions).
    Manages the `<prefix>-*` vaults (and the DR region's), their locks and access policies, the
    plan and its selection, the restore-testing plan, passes the `<prefix>-backup-*` role to AWS
    Backup only, and replicates the database's automated backups to `dr_region`; never deletes
    a recovery point."""
    assets: bool = False
    """The stack has S3 asset buckets (`AssetBucket`; default false): their replication
    configuration, and passing their `<prefix>-*replication*` role to S3 only."""
    event_rules: bool = False
    """The stack has EventBridge rules (`BackupNotices`, `DeployNotices`; default false: no
    `events:` permissions): the `<prefix>-*` rules and their targets."""
    chatbot: bool = False
    """The stack has an AWS Chatbot Slack channel configuration (`DeployNotices` with `slack`;
    default false: no `chatbot:` permissions): the `<prefix>-*` configuration, and passing its
    `<prefix>-*chatbot*` role to Chatbot only."""
    dr_region: str | None = None
    """The DR region the backups are copied to and the asset buckets replicate to (default none):
    the stack's keys, aliases, vault and replica bucket there."""

    def services(self) -> StackServices:
        """The optional services these Args name, as the policies take them."""
        return StackServices(queues=self.queues, search=self.search,
                             search_service_linked_role=self.search_service_linked_role,
                             documents=self.documents, kafka=self.kafka,
                             web_firewall=self.web_firewall, cloudfront=self.cloudfront,
                             dns_records=self.dns_records, backup=self.backup,
                             assets=self.assets, event_rules=self.event_rules,
                             chatbot=self.chatbot, dr_region=self.dr_region)


class GithubPreviewRoleArgs(_RoleArgs, GithubPreviewRoleSettings):
    """Everything `GithubPreviewRole` takes: its settings plus the OIDC provider it trusts."""

    provider_arn: Input[str] | None = None
    """ARN of the GitHub OIDC provider the role trusts (required, e.g.
    `GithubDeployRole.provider_arn`)."""


class GithubDeployRoleArgs(_RoleArgs, GithubDeployRoleSettings):
    """Everything `GithubDeployRole` takes: its settings plus what it must not collide with."""

    # Widens the setting (a plain ARN in config) to an Input: another role's provider_arn.
    oidc_provider_arn: Input[str] | None = None  # type: ignore[assignment]
    """Existing GitHub OIDC provider, an ARN or another GithubDeployRole's `provider_arn`
    (default: create one). An account holds one provider per URL."""
    preview_role_name: str = ""
    """Name of the preview role (default "": `<prefix>-<name>-preview`); see `role_name`."""


def _check_role_name(kind: str, name: str, role_name: str) -> None:
    if not IAM_ROLE_NAME.match(role_name):
        raise ValueError(f"{kind} {name!r}: {kind}Args.role_name {role_name!r} is not an IAM role "
                         "name (1-64 letters, digits and +=,.@_-)")


class GithubPreviewRole(pulumi.ComponentResource):
    """The read-only role pull requests assume for `pulumi preview` (see the module docstring):
    trusted only by `repo:<repository>:pull_request`, one inline policy from `preview_policy`.

    `GithubPreviewRole(name, GithubPreviewRoleArgs(repository=..., provider_arn=...), opts)`.
    Outputs: `role_arn` (the `ci_preview_role_arn` stack output: the workflow's
    `AWS_PREVIEW_ROLE_ARN` variable).
    """

    def __init__(self, name: str, args: GithubPreviewRoleArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else GithubPreviewRoleArgs()
        naming = component_naming("GithubPreviewRole", name, args)
        # Validate before registering anything: the trust policy is the security boundary.
        if not args.repository:
            raise ValueError(f"GithubPreviewRole {name!r}: GithubPreviewRoleArgs.repository is "
                             "required (owner/name of the repository whose pull requests preview)")
        if args.provider_arn is None:
            raise ValueError(f"GithubPreviewRole {name!r}: GithubPreviewRoleArgs.provider_arn is "
                             "required (the GitHub OIDC provider's ARN)")
        preview_subject(args.repository)
        role_name = args.role_name or preview_role_name(naming)
        _check_role_name("GithubPreviewRole", name, role_name)
        super().__init__("groundwork:ci:GithubPreviewRole", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        stack_prefix = args.name_prefix or default_prefix()
        environment = _environment(args.tags)
        repository = args.repository
        self.role = aws.iam.Role(
            f"{name}-role",
            name=role_name,
            description=f"GitHub Actions pull-request previews of {stack_prefix} from "
                        f"{repository} (read-only)",
            assume_role_policy=pulumi.Output.from_input(args.provider_arn).apply(
                lambda arn: json.dumps(preview_trust_policy(arn, repository))),
            max_session_duration=MAX_SESSION_SECONDS,
            tags=naming.tagged(role_name, Component="ci"),
            opts=child_opts(self),
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-read",
            name="read-only",
            role=self.role.name,
            policy=pulumi.Output.from_input(account.account_id).apply(
                lambda acct: json.dumps(preview_policy(
                    args, stack_prefix=stack_prefix, environment=environment, account_id=acct,
                    region=account.region, partition=account.partition, zone_id=args.zone_id,
                    waf_acl_arn=args.waf_acl_arn, project=pulumi.get_project(),
                    services=args.services(), dns_zone_id=args.dns_zone_id))),
            opts=child_opts(self),
        )
        self.role_name: str = role_name
        self.role_arn: pulumi.Output[str] = self.role.arn
        self.register_outputs({"role_arn": self.role_arn})


class GithubDeployRole(pulumi.ComponentResource):
    """OIDC provider (or an existing one), the deploy role and its scoped managed policies, and
    (unless `preview` is false) the read-only `GithubPreviewRole` `<name>-preview` as a child.

    `GithubDeployRole(name, GithubDeployRoleArgs(repository=..., ...), opts)`. Outputs:
    `role_arn` (give it to `aws-actions/configure-aws-credentials` as `role-to-assume`),
    `provider_arn`, `preview_role_arn` (None without a preview role).
    """

    def __init__(self, name: str, args: GithubDeployRoleArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else GithubDeployRoleArgs()
        naming = component_naming("GithubDeployRole", name, args)
        # Validate before registering anything: the trust policy is the security boundary.
        if not args.repository:
            raise ValueError(f"GithubDeployRole {name!r}: GithubDeployRoleArgs.repository is "
                             "required (owner/name of the repository whose workflows deploy)")
        subjects(args.repository, args.branches, args.environments)
        role_name = args.role_name or deploy_role_name(naming)
        _check_role_name("GithubDeployRole", name, role_name)
        preview_name: str | None = None
        if args.preview:
            preview_name = args.preview_role_name or preview_role_name(
                component_naming("GithubPreviewRole", f"{name}-preview", args))
            _check_role_name("GithubPreviewRole", f"{name}-preview", preview_name)
        super().__init__("groundwork:ci:GithubDeployRole", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        stack_prefix = args.name_prefix or default_prefix()
        environment = _environment(args.tags)
        repository, branches, environments = args.repository, args.branches, args.environments
        if args.oidc_provider_arn is not None:
            self.provider = None
            provider_arn: pulumi.Input[str] = args.oidc_provider_arn
        else:
            self.provider = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc",
                url=GITHUB_OIDC_URL,
                client_id_lists=[STS_AUDIENCE],
                tags=naming.tagged(naming.name("github-oidc")),
                opts=child_opts(self),
            )
            provider_arn = self.provider.arn
        self.role = aws.iam.Role(
            f"{name}-role",
            name=role_name,
            description=f"GitHub Actions deploys of {stack_prefix} from {repository}",
            assume_role_policy=pulumi.Output.from_input(provider_arn).apply(
                lambda arn: json.dumps(trust_policy(arn, repository, branches, environments))),
            max_session_duration=MAX_SESSION_SECONDS,
            tags=naming.tagged(role_name, Component="ci"),
            opts=child_opts(self),
        )
        documents = pulumi.Output.from_input(account.account_id).apply(
            lambda acct: deploy_policies(args, stack_prefix=stack_prefix, environment=environment,
                                         role_name=role_name, account_id=acct, region=account.region,
                                         partition=account.partition, zone_id=args.zone_id,
                                         waf_acl_arn=args.waf_acl_arn, project=pulumi.get_project(),
                                         preview_role=preview_name, services=args.services(),
                                         dns_zone_id=args.dns_zone_id))
        self.policies: dict[str, aws.iam.Policy] = {}
        for group in policy_groups(args, args.services()):
            physical = policy_name(role_name, group)

            def group_document(docs: dict[str, dict[str, Any]], g: str = group) -> str:
                return json.dumps(docs[g])

            policy = aws.iam.Policy(
                f"{name}-{group}",
                name=physical,
                description=f"{stack_prefix} deploy permissions: {group}",
                policy=documents.apply(group_document),
                tags=naming.tagged(physical, Component="ci"),
                opts=child_opts(self),
            )
            aws.iam.RolePolicyAttachment(f"{name}-{group}", role=self.role.name, policy_arn=policy.arn,
                                         opts=child_opts(self))
            self.policies[group] = policy
        self.preview: GithubPreviewRole | None = None
        if preview_name is not None:
            self.preview = GithubPreviewRole(
                f"{name}-preview",
                GithubPreviewRoleArgs(
                    **args.settings(GithubPreviewRoleSettings),
                    name_prefix=args.name_prefix, tags=args.tags, role_name=preview_name,
                    zone_id=args.zone_id, dns_zone_id=args.dns_zone_id,
                    waf_acl_arn=args.waf_acl_arn, account=account,
                    provider_arn=provider_arn, queues=args.queues, search=args.search,
                    search_service_linked_role=args.search_service_linked_role,
                    documents=args.documents, kafka=args.kafka,
                    web_firewall=args.web_firewall, cloudfront=args.cloudfront,
                    dns_records=args.dns_records, backup=args.backup, assets=args.assets,
                    event_rules=args.event_rules, dr_region=args.dr_region),
                opts=child_opts(self))
        self.role_name: str = role_name
        self.role_arn: pulumi.Output[str] = self.role.arn
        self.provider_arn: pulumi.Output[str] = pulumi.Output.from_input(provider_arn)
        self.preview_role_arn: pulumi.Output[str] | None = (
            self.preview.role_arn if self.preview is not None else None)
        self.register_outputs({"role_arn": self.role_arn, "provider_arn": self.provider_arn,
                               **({"preview_role_arn": self.preview_role_arn}
                                  if self.preview_role_arn is not None else {})})
