"""Second-round audit of the rules that read policy documents, buckets, secrets and the account
baseline: inputs AWS accepts that walked around a rule before it was fixed. Each evasion is a
failing case (the rule must fire), next to passing cases so no rule fires on everything. The
rules' own modules (test_policies_resource_policies.py, _iam, _storage, _account) hold their
first-round cases; this module only adds the ways around them found in the review."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_policies_account import ACCT, build, fired

from groundwork.check import check_plan, synthetic, validate_resource, validate_stack
from groundwork.policies import rules
from groundwork.policies.rules import account

COVERED_RULES: set[str] = set()
"""The rules here have their passing and failing cases in their own modules already."""

RULES = rules.by_name()
OWN = ACCT
OTHER = "999999999999"
TAGS = {"Project": "groundwork", "Environment": "prod", "ManagedBy": "pulumi", "Owner": "team"}
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
MANAGED_POLICY = "aws:iam/policy:Policy"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def messages(found: list) -> list[str]:
    return [m if isinstance(m, str) else m[1] for m in found]


# --------------------------------------------------------------------------------------------
# KMS.5: the key policy of a separate aws:kms/keyPolicy resource, and of the other key types
# --------------------------------------------------------------------------------------------

PUBLIC_KEY_STATEMENT = {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": ["*"]},
                        "Action": "kms:Decrypt", "Resource": "*"}
NARROWED_KEY_STATEMENT = {**PUBLIC_KEY_STATEMENT,
                          "Condition": {"StringEquals": {"kms:CallerAccount": OWN}}}
KEY_TYPES = ["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy", "aws:kms/replicaKey:ReplicaKey",
             "aws:kms/externalKey:ExternalKey", "aws:kms/replicaExternalKey:ReplicaExternalKey"]


@pytest.mark.parametrize("kind", KEY_TYPES)
def test_kms_public_policy_fires_on_every_resource_that_sets_a_key_policy(kind):
    rule = RULES["kms-key-not-public"]
    props = {"keyId": "k-1", "primaryKeyArn": "arn:aws:kms:us-east-1:1:key/k"}
    [message] = validate_resource(rule, kind, {**props, "policy": doc(PUBLIC_KEY_STATEMENT)})
    assert "statement Open allows Principal '*'" in message
    # structured (not a JSON string), as aws.kms.KeyPolicy(policy={...}) hands it over
    assert validate_resource(rule, kind, {**props, "policy": {"Statement": PUBLIC_KEY_STATEMENT}})
    assert validate_resource(rule, kind, {**props, "policy": doc(NARROWED_KEY_STATEMENT)}) == []


# --------------------------------------------------------------------------------------------
# S3.5: every policy the bucket may end up with denies plain HTTP
# --------------------------------------------------------------------------------------------

NAME = "audit-logs"
ARN = f"arn:aws:s3:::{NAME}"
TLS_DENY = {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [ARN, f"{ARN}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
OWNER_READ = {"Sid": "OwnerRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
              "Action": "s3:GetObject", "Resource": f"{ARN}/*"}


def bucket(**props: Any):
    return synthetic(BUCKET, "logs", {"bucket": NAME, "arn": ARN, **props})


def bucket_policy(target, *statements: dict[str, Any], name: str = "logs-policy", **props: Any):
    deps = {"bucket": [target]} if target is not None else None
    return synthetic(BUCKET_POLICY, name, {"bucket": NAME, "policy": doc(*statements), **props}, deps=deps)


def test_s3_tls_only_judges_each_of_two_bucket_policies():
    """Only one policy per bucket exists in AWS: whichever BucketPolicy applies last replaces
    the other, so each must deny plain HTTP on its own."""
    rule = RULES["s3-tls-only"]
    b = bucket()
    both = [b, bucket_policy(b, TLS_DENY, name="a"), bucket_policy(b, OWNER_READ, name="b")]
    [message] = messages(validate_stack(rule, both))
    assert "'b'" in message and "aws:SecureTransport" in message
    fine = [b, bucket_policy(b, TLS_DENY, name="a"), bucket_policy(b, TLS_DENY, OWNER_READ, name="b")]
    assert validate_stack(rule, fine) == []


def test_s3_tls_only_judges_the_inline_policy_and_the_bucket_policy_apart():
    rule = RULES["s3-tls-only"]
    b = bucket(policy=doc(TLS_DENY))
    assert messages(validate_stack(rule, [b, bucket_policy(b, OWNER_READ)]))
    b = bucket(policy=doc(OWNER_READ))
    assert messages(validate_stack(rule, [b, bucket_policy(b, TLS_DENY)]))
    b = bucket(policy=doc(TLS_DENY))
    assert validate_stack(rule, [b, bucket_policy(b, TLS_DENY, OWNER_READ)]) == []


# --------------------------------------------------------------------------------------------
# S3.2 / S3.3 / S3.5: a policy or ACL for a bucket the stack doesn't declare
# --------------------------------------------------------------------------------------------

EXTERNAL = "someone-elses-bucket"
EXTERNAL_ARN = f"arn:aws:s3:::{EXTERNAL}"


def external_policy(*statements: dict[str, Any]):
    return synthetic(BUCKET_POLICY, "ext-policy", {"bucket": EXTERNAL, "policy": doc(*statements)})


def external_tls() -> dict[str, Any]:
    return {**TLS_DENY, "Resource": [EXTERNAL_ARN, f"{EXTERNAL_ARN}/*"]}


PUBLIC_GET = {"Sid": "PublicGet", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
              "Resource": f"{EXTERNAL_ARN}/*"}
PUBLIC_PUT = {"Sid": "PublicPut", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
              "Resource": f"{EXTERNAL_ARN}/*"}


def test_a_policy_for_a_bucket_outside_the_stack_is_judged_on_its_own():
    """A BucketPolicy (or ACL) for an existing bucket replaces that bucket's policy (ACL): the
    stack opens it even though it doesn't declare the bucket."""
    read, write, tls = RULES["s3-no-public-read"], RULES["s3-no-public-write"], RULES["s3-tls-only"]
    [message] = messages(validate_stack(read, [external_policy(external_tls(), PUBLIC_GET)]))
    assert "s3.BucketPolicy 'ext-policy'" in message and "s3:GetObject" in message
    [message] = messages(validate_stack(write, [external_policy(external_tls(), PUBLIC_PUT)]))
    assert "s3:PutObject" in message
    [message] = messages(validate_stack(tls, [external_policy(OWNER_READ)]))
    assert "ext-policy" in message
    acl = synthetic(BUCKET_ACL_V2, "ext-acl", {"bucket": EXTERNAL, "acl": "public-read"})
    [message] = messages(validate_stack(read, [acl]))
    assert "public-read" in message and "ext-acl" in message
    grant = {"accessControlPolicy": {"owner": {"id": "o"}, "grants": [
        {"grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"},
         "permission": "WRITE"}]}}
    world_write = synthetic(BUCKET_ACL_V2, "ext-acl", {"bucket": EXTERNAL, **grant})
    assert messages(validate_stack(write, [world_write]))
    # passing: a private, TLS-only policy and a private ACL for the same external bucket
    private = [external_policy(external_tls()), synthetic(BUCKET_ACL_V2, "ext-acl",
                                                          {"bucket": EXTERNAL, "acl": "private"})]
    for rule in (read, write, tls):
        assert validate_stack(rule, private) == []


def test_a_policy_for_a_declared_bucket_is_not_judged_twice():
    b = bucket()
    policy = bucket_policy(b, TLS_DENY, {**PUBLIC_GET, "Resource": f"{ARN}/*"})
    found = messages(validate_stack(RULES["s3-no-public-read"], [b, policy]))
    assert len(found) == 1 and "s3.Bucket 'logs'" in found[0]


# --------------------------------------------------------------------------------------------
# S3.3: public actions that hand the bucket over (ACL, policy, lifecycle)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["s3:PutBucketAcl", "s3:PutObjectVersionAcl", "s3:DeleteBucketPolicy",
                                    "s3:PutLifecycleConfiguration"])
def test_s3_public_write_covers_actions_that_take_the_bucket_over(action):
    b = bucket()
    public = {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": action,
              "Resource": [ARN, f"{ARN}/*"]}
    [message] = messages(validate_stack(RULES["s3-no-public-write"], [b, bucket_policy(b, TLS_DENY, public)]))
    assert action in message
    owner = {**public, "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"}}
    assert validate_stack(RULES["s3-no-public-write"], [b, bucket_policy(b, TLS_DENY, owner)]) == []


# --------------------------------------------------------------------------------------------
# SecretsManager.1/.4: schedule expressions, and exemptions through provider default tags
# --------------------------------------------------------------------------------------------

TODAY = "2026-12-01"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{OWN}:secret:token"
REASON = "token rotates with the replication group's ROTATE strategy"


def rotated(rotation_rules: dict[str, Any]) -> list[str]:
    s = synthetic(SECRET, "token", {"name": "token", "arn": SECRET_ARN, "tags": TAGS})
    rot = synthetic(ROTATION, "token-rotation", {"secretId": SECRET_ARN, "rotationRules": rotation_rules},
                    deps={"secretId": [s]})
    return messages(validate_stack(RULES["secretsmanager-rotation"], [s, rot], {"today": TODAY}))


@pytest.mark.parametrize("schedule", [
    "rate(365 days)", "rate(91 days)", "rate(1000 days)", "rate(2200 hours)",
    "cron(0 0 1 1 ? *)",            # yearly
    "cron(0 0 1 */3 ? *)",          # quarterly: up to 92 days apart
    "cron(0 0 1 1,4,7,10 ? *)",     # the same, listed
    "cron(0 0 1 JAN,JUL ? *)",      # twice a year
    "cron(0 0 1 * ? 2026)",         # monthly, but only in 2026
    "cron(0 0 31 2,4,6,9,11 ? *)",  # the 31st of months that have 30 days or fewer: never
    "weekly",                       # unreadable
])
def test_rotation_schedules_longer_than_the_maximum_fire(schedule):
    [message] = rotated({"scheduleExpression": schedule})
    assert "schedule" in message or "rotates every" in message, message


@pytest.mark.parametrize("schedule", [
    "rate(30 days)", "rate(90 days)", "rate(4 hours)", "rate(2160 hours)",
    "cron(0 0 1 * ? *)", "cron(0 16 1,15 * ? *)", "cron(0 8 ? * MON *)", "cron(0 0 ? * 2#1 *)",
    "cron(0 0 1 1,3,5,7,9,11 ? *)", "cron(0 0 L * ? *)", "cron(0 0 1 JAN-DEC/2 ? *)",
])
def test_rotation_schedules_within_the_maximum_pass(schedule):
    assert rotated({"scheduleExpression": schedule}) == []


def test_a_rotation_exemption_must_be_on_the_secret_itself():
    """`tagsAll` is what the provider adds from its default tags: an exemption there would exempt
    every secret of the stack at once."""
    exemption = {"RotationExempt": REASON, "RotationExemptUntil": "2027-01-01"}
    rule = RULES["secretsmanager-rotation"]
    inherited = synthetic(SECRET, "token", {"arn": SECRET_ARN, "tags": TAGS,
                                            "tagsAll": {**TAGS, **exemption}})
    [(_, message)] = validate_stack(rule, [inherited], {"today": TODAY})
    assert "never rotates" in message
    own = synthetic(SECRET, "token", {"arn": SECRET_ARN, "tags": {**TAGS, **exemption},
                                      "tagsAll": {**TAGS, **exemption}})
    assert validate_stack(rule, [own], {"today": TODAY}) == []


# --------------------------------------------------------------------------------------------
# no-plaintext-secrets: CodeBuild variables, provider default tags, tagsAll
# --------------------------------------------------------------------------------------------


def test_codebuild_plaintext_variables_are_judged():
    rule = RULES["no-plaintext-secrets"]
    env = {"computeType": "BUILD_GENERAL1_SMALL", "image": "aws/codebuild/standard:7.0",
           "type": "LINUX_CONTAINER"}

    def project(*variables: dict[str, Any]) -> list[str]:
        return validate_resource(rule, "aws:codebuild/project:Project",
                                 {"environment": {**env, "environmentVariables": list(variables)}})

    [message] = project({"name": "DB_PASSWORD", "value": "hunter2hunter2"})
    assert "environment variable DB_PASSWORD" in message
    assert project({"name": "DB_PASSWORD", "value": "hunter2hunter2", "type": "PLAINTEXT"})
    assert project({"name": "DB_PASSWORD", "value": "prod/db:password", "type": "SECRETS_MANAGER"}) == []
    assert project({"name": "DB_PASSWORD", "value": "/prod/db/password", "type": "PARAMETER_STORE"}) == []
    assert project({"name": "STAGE", "value": "prod", "type": "PLAINTEXT"}) == []


def test_secrets_in_provider_default_tags_are_judged():
    rule = RULES["no-plaintext-secrets"]
    leaked = {**TAGS, "DB_PASSWORD": "hunter2hunter2"}
    provider = {"region": "us-east-1", "defaultTags": json.dumps({"tags": leaked})}
    [message] = validate_resource(rule, "pulumi:providers:aws", provider)
    assert "default tag DB_PASSWORD" in message
    from_config = {"defaultTags": {"tags": {**TAGS, "API_TOKEN": "hunter2hunter2"}}}
    assert validate_resource(rule, "pulumi:providers:aws", from_config)
    # what a real preview shows on each resource: tagsAll holds the provider's tags
    assert validate_resource(rule, BUCKET, {"tags": TAGS, "tagsAll": leaked})
    assert validate_resource(rule, "pulumi:providers:aws", {"defaultTags": json.dumps({"tags": TAGS})}) == []
    assert validate_resource(rule, BUCKET, {"tags": TAGS, "tagsAll": TAGS}) == []


# --------------------------------------------------------------------------------------------
# Account.1 and budgets
# --------------------------------------------------------------------------------------------


def test_a_security_contact_for_another_account_does_not_count():
    found = fired(build({"security-contact": {"accountId": OTHER}}), only="account-security-contact")
    [message] = found["account-security-contact"]
    assert OTHER in message
    # the account's own id (read from the baseline's ARNs) is fine
    key = synthetic("aws:kms/key:Key", "trail-key", {"arn": f"arn:aws:kms:us-east-1:{OWN}:key/k"})
    assert fired(build({"security-contact": {"accountId": OWN}}, extra=[key])) == {}


def test_a_budget_filtered_to_part_of_the_bill_is_not_the_account_budget():
    for narrowed in ({"costFilters": [{"name": "Service", "values": ["Amazon Route 53"]}]},
                     {"filterExpression": {"dimensions": {"key": "SERVICE", "values": ["Amazon Route 53"]}}}):
        found = fired(build({"budget": narrowed}), only="budget-alerts")
        [message] = found["budget-alerts"]
        assert "filter" in message
    service_budget = synthetic(account.BUDGET, "dns-budget", {
        "budgetType": "COST", "timeUnit": "MONTHLY",
        "costFilters": [{"name": "Service", "values": ["Amazon Route 53"]}]})
    assert fired(build(extra=[service_budget])) == {}


# --------------------------------------------------------------------------------------------
# KMS.1/KMS.2: a partial wildcard in the region or account field
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", [
    "arn:aws:kms:us-east-1:1*",                     # the `*` crosses into the key id: any account 1...
    f"arn:aws:kms:us-east-1:{OWN[:-1]}?:key/*",     # ten accounts
    "arn:aws:kms:us-east-1:12345*:key/*",
    f"arn:aws:kms:us-east-?:{OWN}:key/*",           # every us-east region
    f"arn:aws:kms:us-*-1:{OWN}:key/*",
    f"arn:aws:kms:*-1:{OWN}:key/*",
])
def test_decrypt_on_keys_of_many_accounts_or_regions_fires(resource):
    statement = {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": resource}
    [message] = validate_resource(RULES["kms-managed-policy-no-decrypt-all"], MANAGED_POLICY,
                                  {"policy": doc(statement)})
    assert "every KMS key" in message
    assert validate_resource(RULES["kms-inline-policy-no-decrypt-all"], "aws:iam/rolePolicy:RolePolicy",
                             {"policy": doc(statement)})


@pytest.mark.parametrize("resource", [
    f"arn:aws:kms:us-east-1:{OWN}:key/*", f"arn:aws:kms:us-east-1:{OWN}:key/1234abcd-*",
    f"arn:aws:kms:us-east-1:{OWN}:*", f"arn:aws:kms:us-east-1:{OWN}*",
    "arn:aws:s3:::bucket/*", f"arn:aws:secretsmanager:*:{OWN}:secret:*",
])
def test_decrypt_on_one_account_and_region_passes(resource):
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": resource}
    assert validate_resource(RULES["kms-managed-policy-no-decrypt-all"], MANAGED_POLICY,
                             {"policy": doc(statement)}) == []


# --------------------------------------------------------------------------------------------
# the real stacks and the account program still pass every changed rule
# --------------------------------------------------------------------------------------------

CHANGED = ["kms-key-not-public", "s3-tls-only", "s3-no-public-read", "s3-no-public-write",
           "secretsmanager-rotation", "no-plaintext-secrets", "account-security-contact", "budget-alerts",
           "kms-managed-policy-no-decrypt-all", "kms-inline-policy-no-decrypt-all"]


@pytest.mark.parametrize("plan", ["prod", "dev", "account"])
def test_the_real_programs_pass_the_changed_rules(plan, request):
    result = check_plan(request.getfixturevalue(plan))
    assert not [v for v in result.violations if v.policy in CHANGED], result.violations
