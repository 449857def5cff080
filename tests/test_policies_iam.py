"""IAM.1, IAM.21, KMS.1 and KMS.2 (policies/rules/iam.py): each rule on synthetic identity
policies written the ways AWS accepts (the evasions must fire, the least-privilege forms must
pass), and on the real prod plan with the CI roles on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from groundwork.check import check_plan, validate_resource
from groundwork.engine import PlanResult, plan_stack
from groundwork.policies import rules

RULES = rules.by_name()
ADMIN, WILDCARD = "iam-no-admin-policy", "iam-no-service-wildcard"
KMS_MANAGED, KMS_INLINE = "kms-managed-policy-no-decrypt-all", "kms-inline-policy-no-decrypt-all"
COVERED_RULES = {ADMIN, WILDCARD, KMS_MANAGED, KMS_INLINE}

POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ACCOUNT, REGION = "123456789012", "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def fired(rule: str, props: dict[str, Any], resource_type: str = POLICY) -> list[str]:
    return validate_resource(RULES[rule], resource_type, props)


def fires_for(rule: str, props: dict[str, Any], words: str, resource_type: str = POLICY) -> bool:
    """The rule fires, and only for the grant itself: a document the rule can't read fails
    closed ("not a JSON policy document"), which must not pass for catching the spelling."""
    found = fired(rule, props, resource_type)
    assert found and all(words in m and f"[{RULES[rule].control}]" in m for m in found), found
    return True


# --------------------------------------------------------------------------------------------
# IAM.1: no full administrator grant
# --------------------------------------------------------------------------------------------

ADMIN_EVASIONS = {
    "action star": doc(allow("*")),
    "service and action star": doc(allow("*:*")),
    "double star": doc(allow("**")),
    "star in a list among others": doc(allow(["s3:GetObject", "*"])),
    "resource list with star": doc(allow("*", ["arn:aws:s3:::b", "*"])),
    "resource arn star": doc(allow("*", "arn:*")),
    "resource all-wildcard arn": doc(allow("*", "arn:*:*:*:*:*")),
    "not action": doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
    "not action list (PowerUserAccess)": doc({"Effect": "Allow", "Resource": "*", "NotAction": [
        "iam:*", "organizations:*", "account:*"]}),
    "not resource": doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::b"}),
    "single statement object": json.dumps({"Version": "2012-10-17", "Statement": allow("*")}),
    "statement without a wrapper": json.dumps(allow("*")),
    "lowercase effect": doc({"Effect": "allow", "Action": "*", "Resource": "*"}),
    "condition does not narrow the grant": doc(allow("*", Condition={
        "Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    "after a harmless statement": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("*")),
}


@pytest.mark.parametrize("case", sorted(ADMIN_EVASIONS))
def test_full_admin_in_any_spelling_fires(case):
    assert fires_for(ADMIN, {"policy": ADMIN_EVASIONS[case]}, "allows every action"), case


@pytest.mark.parametrize("resource_type", [ROLE_POLICY, USER_POLICY, GROUP_POLICY])
def test_full_admin_fires_on_inline_policies_too(resource_type):
    assert fires_for(ADMIN, {"policy": doc(allow("*")), "role": "r"}, "allows every action", resource_type)


def test_full_admin_in_a_roles_inline_policy_fires():
    ok = doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))
    props = {"name": "r", "inlinePolicies": [{"name": "ok", "policy": ok},
                                             {"name": "admin", "policy": doc(allow("*:*"))}]}
    [message] = fired(ADMIN, props, ROLE)
    assert "inline policy admin" in message and "[IAM.1]" in message


def test_a_structured_policy_is_read_too():
    """`policy` as an object (pulumi accepts a dict) rather than a JSON string."""
    assert fires_for(ADMIN, {"policy": {"Version": "2012-10-17", "Statement": [allow("*")]}},
                     "policy statement #0 allows every action ('*')")


@pytest.mark.parametrize("arn", ["arn:aws:iam::aws:policy/AdministratorAccess",
                                 "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
                                 "arn:aws:iam::aws:policy/PowerUserAccess"])
def test_attaching_an_admin_managed_policy_fires(arn):
    assert fires_for(ADMIN, {"role": "r", "policyArn": arn}, f"attaches {arn}", ATTACHMENT)
    managed = ["arn:aws:iam::aws:policy/ReadOnlyAccess", arn]
    assert fires_for(ADMIN, {"name": "r", "managedPolicyArns": managed}, f"attaches {arn}", ROLE)
    assert fires_for(ADMIN, {"role": "r", "policyArns": [arn]}, f"attaches {arn}",
                     "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive")


ADMIN_PASSES = {
    "all actions on one bucket": doc(allow("s3:GetObject", "arn:aws:s3:::b/*")),
    "star action on named resources": doc(allow("*", "arn:aws:s3:::b")),
    "not action on a named resource": doc({"Effect": "Allow", "NotAction": "iam:*",
                                           "Resource": "arn:aws:s3:::b"}),
    "deny everything": doc({"Effect": "Deny", "Action": "*", "Resource": "*"}),
    "partial wildcard read": doc(allow("ec2:Describe*")),
    "not action star allows nothing": doc({"Effect": "Allow", "NotAction": "*", "Resource": "*"}),
}


@pytest.mark.parametrize("case", sorted(ADMIN_PASSES))
def test_scoped_policies_are_not_admin(case):
    assert fired(ADMIN, {"policy": ADMIN_PASSES[case]}) == [], case


def test_attaching_a_service_role_policy_is_not_admin():
    arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert fired(ADMIN, {"role": "r", "policyArn": arn}, ATTACHMENT) == []
    # a customer policy named like an AWS one is judged on its own document, not on its name
    assert fired(ADMIN, {"role": "r", "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"},
                 ATTACHMENT) == []


# --------------------------------------------------------------------------------------------
# IAM.21: no service-wide wildcard
# --------------------------------------------------------------------------------------------

WILDCARD_EVASIONS = {
    "service star": doc(allow("rds:*")),
    "upper case service": doc(allow("RDS:*")),
    "mixed case service": doc(allow("Ecs:*")),
    "on a scoped resource": doc(allow("s3:*", "arn:aws:s3:::groundwork-prod-logs")),
    "double star verb": doc(allow("s3:**")),
    "wildcard service": doc(allow("s*:*", "arn:aws:s3:::b")),
    "everything": doc(allow("*", "arn:aws:s3:::b")),
    "in a list beside explicit actions": doc(allow(["s3:GetObject", "kms:*"], KEY)),
    "with a condition": doc(allow("kms:*", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*", Condition={
        "StringEquals": {"aws:ResourceTag/Environment": "prod"}})),
    "not action": doc({"Effect": "Allow", "NotAction": ["s3:DeleteBucket"], "Resource": "arn:aws:s3:::b"}),
    "single statement object": json.dumps({"Statement": allow("sns:*", "arn:aws:sns:us-east-1:1:t")}),
    "question-mark verb": doc(allow("ecs:?*")),
}


@pytest.mark.parametrize("case", sorted(WILDCARD_EVASIONS))
def test_service_wide_wildcards_fire(case):
    assert fires_for(WILDCARD, {"policy": WILDCARD_EVASIONS[case]}, "allows every action"), case


def test_service_wildcard_fires_on_inline_and_role_policies():
    assert fires_for(WILDCARD, {"role": "r", "policy": doc(allow("logs:*", "arn:aws:logs:*:*:*"))},
                     "allows every action of a service: logs:*", ROLE_POLICY)
    assert fires_for(WILDCARD, {"inlinePolicies": [{"name": "x", "policy": doc(allow("ecr:*"))}]},
                     "inline policy x statement #0 allows every action of a service: ecr:*", ROLE)


@pytest.mark.parametrize("arn", ["arn:aws:iam::aws:policy/AmazonRDSFullAccess",
                                 "arn:aws:iam::aws:policy/IAMFullAccess",
                                 "arn:aws:iam::aws:policy/AmazonS3FullAccess"])
def test_attaching_a_full_access_managed_policy_fires(arn):
    assert fires_for(WILDCARD, {"role": "r", "policyArn": arn}, f"attaches {arn}", ATTACHMENT)


WILDCARD_PASSES = {
    "explicit actions": doc(allow(["rds:CreateDBInstance", "rds:DeleteDBInstance"],
                                  f"arn:aws:rds:{REGION}:{ACCOUNT}:db:groundwork-prod-*")),
    "read verb family": doc(allow(["s3:Get*", "ec2:Describe*", "rds:List*"])),
    "partial wildcard in the middle": doc(allow("ec2:*Instance*", "*", Condition={
        "StringEquals": {"aws:RequestedRegion": REGION}})),
    "deny service star": doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    "deny not action": doc({"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}),
}


@pytest.mark.parametrize("case", sorted(WILDCARD_PASSES))
def test_named_actions_and_verb_families_pass(case):
    assert fired(WILDCARD, {"policy": WILDCARD_PASSES[case]}) == [], case


def test_a_document_that_is_not_json_fails_closed():
    for rule in COVERED_RULES - {KMS_INLINE}:
        assert any("not a JSON policy document" in m for m in fired(rule, {"policy": "{not json"}))


# --------------------------------------------------------------------------------------------
# KMS.1 / KMS.2: no decryption with every key
# --------------------------------------------------------------------------------------------

DECRYPT_EVASIONS = {
    "decrypt on star": doc(allow("kms:Decrypt")),
    "re-encrypt from on star": doc(allow("kms:ReEncryptFrom")),
    "re-encrypt star": doc(allow("kms:ReEncrypt*")),
    "lower case": doc(allow("KMS:decrypt")),
    "verb prefix": doc(allow("kms:De*")),
    "kms star": doc(allow("kms:*")),
    "every action": doc(allow("*")),
    "question marks": doc(allow("kms:Decryp?")),
    "any region and account": doc(allow("kms:Decrypt", "arn:aws:kms:*:*:key/*")),
    "any account": doc(allow("kms:Decrypt", f"arn:aws:kms:{REGION}:*:key/*")),
    "any region": doc(allow("kms:Decrypt", f"arn:aws:kms:*:{ACCOUNT}:key/*")),
    "service-level arn": doc(allow("kms:Decrypt", "arn:aws:kms:*")),
    "any partition and everything": doc(allow("kms:Decrypt", "arn:*:kms:*:*:*")),
    "condition is not read": doc(allow("kms:Decrypt", "*", Condition={
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}})),
    "not action": doc({"Effect": "Allow", "NotAction": "kms:Encrypt", "Resource": "*"}),
    "not resource": doc({"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": KEY}),
    "string statement fields and single object": json.dumps(
        {"Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}),
}


@pytest.mark.parametrize("case", sorted(DECRYPT_EVASIONS))
def test_decrypt_on_every_key_fires_in_managed_and_inline_policies(case):
    document = DECRYPT_EVASIONS[case]
    assert fires_for(KMS_MANAGED, {"policy": document}, "on every KMS key"), case
    assert fires_for(KMS_INLINE, {"role": "r", "policy": document}, "on every KMS key", ROLE_POLICY), case
    assert fires_for(KMS_INLINE, {"inlinePolicies": [{"name": "p", "policy": document}]},
                     "inline policy p statement #0 allows", ROLE), case


def test_managed_and_inline_are_separate_controls():
    [message] = fired(KMS_MANAGED, {"policy": doc(allow("kms:Decrypt"))})
    assert "[KMS.1]" in message and "kms:Decrypt on every KMS key" in message
    [message] = fired(KMS_INLINE, {"user": "u", "policy": doc(allow("kms:Decrypt"))}, USER_POLICY)
    assert "[KMS.2]" in message
    assert RULES[KMS_MANAGED].types == (POLICY,)
    assert POLICY not in RULES[KMS_INLINE].types and ROLE in RULES[KMS_INLINE].types


DECRYPT_PASSES = {
    "one key": doc(allow("kms:Decrypt", KEY)),
    "this account and region": doc(allow("kms:Decrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*")),
    "encrypt only on star": doc(allow(["kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"])),
    "re-encrypt to only": doc(allow("kms:ReEncryptTo")),
    "deny decrypt": doc({"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}),
    "aliases are not keys": doc(allow("kms:Decrypt", "arn:aws:kms:*:*:alias/*")),
    "not action excludes decryption": doc({"Effect": "Allow", "NotAction": ["kms:Decrypt", "kms:ReEncrypt*"],
                                           "Resource": "*"}),
}


@pytest.mark.parametrize("case", sorted(DECRYPT_PASSES))
def test_decrypt_on_named_keys_passes(case):
    assert fired(KMS_MANAGED, {"policy": DECRYPT_PASSES[case]}) == [], case
    assert fired(KMS_INLINE, {"group": "g", "policy": DECRYPT_PASSES[case]}, GROUP_POLICY) == [], case


# --------------------------------------------------------------------------------------------
# the real stacks
# --------------------------------------------------------------------------------------------

CI = {"repository": "acme/shop", "branches": ["main"], "environments": ["production"],
      "state_bucket": "acme-pulumi-state", "secrets_key_alias": "alias/pulumi-groundwork"}


@pytest.fixture(scope="module")
def prod_ci() -> PlanResult:
    return plan_stack("prod", overrides={"ci": CI})


def test_the_committed_prod_plan_passes_the_iam_rules(prod):
    result = check_plan(prod)
    assert [v.message for v in result.violations if v.policy in COVERED_RULES] == []
    assert all(result.levels[name] == "mandatory" for name in COVERED_RULES)


def test_prod_with_the_ci_roles_passes_the_iam_rules(prod_ci):
    """The deploy and preview roles: no svc:*, no admin, no decryption with every key."""
    assert prod_ci.of_type("groundwork:ci:GithubDeployRole")
    result = check_plan(prod_ci)
    assert [v.message for v in result.violations if v.policy in COVERED_RULES] == []
    judged = [r for r in prod_ci.custom_resources if r.type in {POLICY, ROLE_POLICY, ROLE, ATTACHMENT}]
    assert len(judged) > 15


def test_the_rules_fire_on_the_real_deploy_policy_widened(prod_ci):
    """The real ci-data document with one statement put back to `kms:*` on every key."""
    [record] = [r for r in prod_ci.of_type(POLICY) if r.name == "ci-data"]
    document = json.loads(record.inputs["policy"])
    document["Statement"].append(allow("kms:*"))
    props = {**record.inputs, "policy": json.dumps(document)}
    assert fires_for(WILDCARD, props, "allows every action of a service: kms:*")
    assert fires_for(KMS_MANAGED, props, "on every KMS key")
    assert fired(WILDCARD, {**record.inputs}) == [] and fired(KMS_MANAGED, {**record.inputs}) == []
