"""Account-wide rules: KMS keys, secrets, SNS, S3 buckets, required tags, protection of prod's
stateful resources, and secret-looking values in plain inputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    AWS_ACCESS_KEY,
    BUCKET_OWNERSHIP,
    BUCKET_PAB,
    BUCKET_POLICY,
    BUCKETS,
    CACHE_GROUP,
    KMS_KEY,
    RDS_CLUSTER,
    RDS_INSTANCE,
    SECRET,
    SECRET_ROTATION,
    SNS_TOPIC,
    Stack,
    as_json,
    as_list,
    get,
    has_key,
    is_false,
    is_list,
    is_map,
    is_true,
    known,
    known_items,
    looks_secret,
    number,
    present,
    provider_default_tags,
    resource_rule,
    stack_rule,
    tags_of,
    walk_strings,
)

# --------------------------------------------------------------------------------------------
# KMS
# --------------------------------------------------------------------------------------------


@resource_rule(
    "kms-key-rotation",
    control="KMS.4",
    description="Customer-managed symmetric keys rotate automatically.",
    fix="set enable_key_rotation=True (rotation_period_in_days 90-2560, default 365)",
    types=[KMS_KEY],
)
def kms_key_rotation(props, args, config) -> Iterator[str]:
    spec = get(props, "customerMasterKeySpec", default=get(props, "keySpec", default="SYMMETRIC_DEFAULT"))
    if spec == "SYMMETRIC_DEFAULT" and not is_true(get(props, "enableKeyRotation")):
        yield "does not rotate (enableKeyRotation not true)"


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, dict):
        out: list[str] = []
        for value in principal.values():
            out += value if isinstance(value, list) else [value]
        return [str(p) for p in out]
    return []


@resource_rule(
    "kms-key-not-public",
    control="KMS.5",
    description="Key policies never allow Principal '*' without a condition.",
    fix="name the principals (account root, service principals) or add a Condition "
        "(aws:SourceAccount, kms:CallerAccount)",
    types=[KMS_KEY],
)
def kms_key_not_public(props, args, config) -> Iterator[str]:
    if not present(props, "policy"):
        return  # AWS's default key policy: the account only
    document = as_json(get(props, "policy"))
    if not isinstance(document, dict):
        yield "has a key policy that is not a JSON document"
        return
    for i, st in enumerate(as_list(document.get("Statement"))):
        if isinstance(st, dict) and st.get("Effect") == "Allow" and "*" in _principals(st) \
                and not st.get("Condition"):
            yield f"statement {st.get('Sid') or i} allows Principal '*' without a condition"


# --------------------------------------------------------------------------------------------
# Secrets Manager, SNS
# --------------------------------------------------------------------------------------------

ROTATION_EXEMPT_TAG = "RotationExempt"
"""Tag that documents why a secret can't rotate (its value is the reason)."""


@stack_rule(
    "secretsmanager-rotation",
    control="SecretsManager.1/SecretsManager.4",
    description="Every secret rotates at least every 90 days, or documents why it can't.",
    fix="add secretsmanager.SecretRotation(rotation_rules={'automatically_after_days': <= 90}), or "
        f"tag the secret {ROTATION_EXEMPT_TAG}='<why rotation does not apply>'",
    types=[SECRET, SECRET_ROTATION],
    defaults={"maximumDays": 90},
    properties={"maximumDays": {"type": "integer", "minimum": 1}},
)
def secretsmanager_rotation(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    maximum = int(config["maximumDays"])
    for secret in stack.of_type(SECRET):
        if str(tags_of(secret.props).get(ROTATION_EXEMPT_TAG) or "").strip():
            continue
        rotations = stack.referring(secret, [SECRET_ROTATION], "secretId")
        if not rotations:
            yield secret, f"never rotates and has no {ROTATION_EXEMPT_TAG} tag saying why"
            continue
        for rotation in rotations:
            rules = get(rotation.props, "rotationRules", default={})
            days = number(known(rules, "automaticallyAfterDays"))
            if is_false(get(rotation.props, "rotationEnabled")):
                yield secret, f"has rotation '{rotation.name}' disabled"
            elif days is not None and days > maximum:
                yield secret, f"rotates every {int(days)} days; at most {maximum}"
            elif days is None and not present(rules, "scheduleExpression"):
                yield secret, f"rotation '{rotation.name}' has no schedule"


@resource_rule(
    "sns-topic-encrypted",
    control="SNS.1",
    description="SNS topics are encrypted with a customer-managed key CloudWatch may use.",
    fix="set kms_master_key_id=<the notifications key> (its policy must let cloudwatch.amazonaws.com "
        "Decrypt and GenerateDataKey*; alias/aws/sns never works for alarms)",
    types=[SNS_TOPIC],
)
def sns_topic_encrypted(props, args, config) -> Iterator[str]:
    if not present(props, "kmsMasterKeyId"):
        yield "is not encrypted"
    elif known(props, "kmsMasterKeyId") == "alias/aws/sns":
        yield "uses alias/aws/sns, which CloudWatch alarms can't publish to"


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------

PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@stack_rule(
    "s3-block-public-access",
    control="S3.1/S3.8",
    description="Every bucket has a public access block with all four settings on.",
    fix="add s3.BucketPublicAccessBlock(bucket=<bucket>.id) with block_public_acls, "
        "block_public_policy, ignore_public_acls and restrict_public_buckets all True",
    types=[*BUCKETS, BUCKET_PAB],
)
def s3_block_public_access(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        blocks = stack.referring(bucket, [BUCKET_PAB], "bucket")
        if not blocks:
            yield bucket, "has no public access block"
        for block in blocks:
            off = [f for f in PAB_FLAGS if not is_true(get(block.props, f))]
            if off:
                yield bucket, f"public access block '{block.name}' leaves {', '.join(off)} off"


def _denies_insecure_transport(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    for st in as_list(document.get("Statement")):
        if not isinstance(st, dict) or st.get("Effect") != "Deny":
            continue
        condition = st.get("Condition") or {}
        for operator in ("Bool", "BoolIfExists"):
            value = (condition.get(operator) or {}).get("aws:SecureTransport")
            if str(value).lower() == "false" and "*" in _principals(st):
                return True
    return False


@stack_rule(
    "s3-tls-only",
    control="S3.5",
    description="Every bucket policy denies requests without TLS.",
    fix="add a bucket policy statement {Effect: Deny, Principal: '*', Action: 's3:*', "
        "Condition: {Bool: {aws:SecureTransport: 'false'}}} on the bucket and its objects",
    types=[*BUCKETS, BUCKET_POLICY],
)
def s3_tls_only(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        policies = stack.referring(bucket, [BUCKET_POLICY], "bucket")
        documents = [as_json(get(p.props, "policy")) for p in policies]
        if present(bucket.props, "policy"):
            documents.append(as_json(get(bucket.props, "policy")))
        if not any(_denies_insecure_transport(d) for d in documents):
            yield bucket, "has no policy denying aws:SecureTransport=false"


@stack_rule(
    "s3-acls-disabled",
    control="S3.12",
    description="Every bucket disables ACLs (object ownership BucketOwnerEnforced).",
    fix="add s3.BucketOwnershipControls(bucket=<bucket>.id, rule={'object_ownership': "
        "'BucketOwnerEnforced'})",
    types=[*BUCKETS, BUCKET_OWNERSHIP],
)
def s3_acls_disabled(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        controls = stack.referring(bucket, [BUCKET_OWNERSHIP], "bucket")
        if not any(get(c.props, "rule", "objectOwnership") == "BucketOwnerEnforced" for c in controls):
            yield bucket, "keeps ACLs enabled (no BucketOwnershipControls with BucketOwnerEnforced)"


# --------------------------------------------------------------------------------------------
# tags, protection, secrets in plain inputs
# --------------------------------------------------------------------------------------------

REQUIRED_TAGS = ("Project", "Environment", "ManagedBy", "Owner")
TAGGABLE_PREFIXES = ("aws:",)
UNTAGGABLE = {
    "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:kms/alias:Alias", "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:lb/listenerCertificate:ListenerCertificate",
    "aws:secretsmanager/secretVersion:SecretVersion", "aws:sns/topicSubscription:TopicSubscription",
    "aws:sns/topicPolicy:TopicPolicy", "aws:appautoscaling/policy:Policy",
    "aws:acm/certificateValidation:CertificateValidation", "aws:route53/record:Record",
    "aws:wafv2/webAclAssociation:WebAclAssociation", "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:cloudwatch/dashboard:Dashboard", "aws:secretsmanager/secretRotation:SecretRotation",
}
"""aws types that take no tags (the rule only asks taggable resources for tags)."""


@resource_rule(
    "required-tags",
    control="Tagging (Project, Environment, ManagedBy, Owner)",
    description="Every taggable resource carries Project, Environment, ManagedBy and Owner, on "
                "itself or through its provider's default tags.",
    fix="pass naming.tagged(name) as tags, or set them in the provider's default_tags "
        "(groundwork:tags holds Owner)",
    types=None,
)
def required_tags(props, args, config) -> Iterator[str]:
    kind = args.resource_type
    if not kind.startswith(TAGGABLE_PREFIXES) or kind in UNTAGGABLE:
        return
    provider_props = args.provider.props if args.provider is not None else None
    tags = {**provider_default_tags(provider_props), **tags_of(props)}
    missing = [t for t in REQUIRED_TAGS if not str(tags.get(t) or "").strip()]
    if missing:
        yield f"lacks tag(s) {', '.join(missing)}"


STATEFUL = (RDS_INSTANCE, RDS_CLUSTER, CACHE_GROUP, *BUCKETS, "aws:dynamodb/table:Table",
            "aws:efs/fileSystem:FileSystem")


@resource_rule(
    "prod-stateful-protected",
    control="Protect stateful resources (prod)",
    description="Stateful resources (databases, caches, buckets, tables) carry Pulumi `protect` "
                "so `pulumi destroy` can't take them.",
    fix="create it with opts=ResourceOptions(protect=True) when the stack is prod (unprotect "
        "deliberately, with `pulumi state unprotect`, to retire it)",
    types=STATEFUL,
)
def prod_stateful_protected(props, args, config) -> Iterator[str]:
    if not args.opts.protect:
        yield "is not protected from pulumi destroy"


def _environment_pairs(value: Any) -> Iterator[tuple[str, Any]]:
    """name/value pairs of an `environment` input: {variables: {..}}, {..} or [{name, value}]."""
    if is_map(value):
        inner = known(value, "variables")
        yield from known_items(inner if is_map(inner) else value)
    elif is_list(value):
        for entry in value:
            if has_key(entry, "name"):
                yield str(known(entry, "name", "")), known(entry, "value")


SECRET_INPUTS = {"secretString", "secretBinary", "password", "passwordWo", "authToken", "authTokenWo",
                 "masterPassword", "privateKey", "sensitiveValue"}
"""Inputs made to hold secrets (a real preview shows them decrypted): not scanned."""


@resource_rule(
    "no-plaintext-secrets",
    control="Secrets in plain inputs (CKV_AWS_45/46)",
    description="No secret-looking values in tags or plain `environment` inputs, and no AWS access "
                "key id in any input.",
    fix="keep the value in Secrets Manager and pass its ARN (ECS `secrets`, a function reading it "
        "at start); never put credentials in tags",
    types=None,
)
def no_plaintext_secrets(props, args, config) -> Iterator[str]:
    """Container definitions are ECS.8's (ecs-no-secrets-in-environment)."""
    for name, value in known_items(get(props, "tags", default={})):
        why = looks_secret(str(name), value)
        if why:
            yield f"tag {name} {why}"
    for name, value in _environment_pairs(known(props, "environment")):
        why = looks_secret(name, value)
        if why:
            yield f"environment variable {name} {why}"
    skip = SECRET_INPUTS | {"tags", "tagsAll", "environment", "containerDefinitions"}
    if args.resource_type == "aws:ssm/parameter:Parameter" and known(props, "type") == "SecureString":
        skip.add("value")
    for key, value in known_items(props):
        if key in skip:
            continue
        for path, text in walk_strings(value, key):
            if AWS_ACCESS_KEY.search(text):
                yield f"input {path} holds an AWS access key id"
