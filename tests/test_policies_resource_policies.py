"""Rules that read resource policies (KMS.5, SNS.4, S3.5, S3.6) and the rotation exemption of
SecretsManager.1/.4: each evasion an auditor tried, or that we found, is a failing case here, next
to passing cases so no rule fires on everything. The real prod plan is broken in the same ways
to show the rules fire on the resources groundwork builds."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from groundwork.check import (
    POLICIES_DIR,
    check_plan,
    check_records,
    exemption_lines,
    report_lines,
    stack_resources,
    synthetic,
    validate_resource,
    validate_stack,
)
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.policies import rules
from groundwork.policies.rules import _documents as docs
from groundwork.policies.rules import security

COVERED_RULES = {"kms-key-not-public", "sns-topic-not-public", "s3-tls-only", "s3-no-cross-account-admin",
                 "secretsmanager-rotation"}

RULES = rules.by_name()
PROD_CONFIG = json.loads((POLICIES_DIR / "config" / "prod.json").read_text())
OWN = "123456789012"
OTHER = "999999999999"
KEY = "aws:kms/key:Key"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SECRET = "aws:secretsmanager/secret:Secret"
TAGS = {"Project": "groundwork", "Environment": "prod", "ManagedBy": "pulumi", "Owner": "team"}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: Any = "*", condition: dict | None = None, *, action: Any = "kms:Decrypt",
          not_principal: Any = None, effect: str = "Allow") -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": "Case", "Effect": effect, "Action": action, "Resource": "*"}
    if not_principal is not None:
        st["NotPrincipal"] = not_principal
    else:
        st["Principal"] = principal
    if condition is not None:
        st["Condition"] = condition
    return st


ROOT = {"AWS": f"arn:aws:iam::{OWN}:root"}
ORG = "o-abcdefghij"
ALARMS_ANY_REGION = f"arn:aws:cloudwatch:*:{OWN}:alarm:*"

# --------------------------------------------------------------------------------------------
# the shared judgement: public unless a condition really narrows it
# --------------------------------------------------------------------------------------------

# (condition, why it does NOT narrow) on a Principal "*" Allow: all public
NOT_NARROWING: dict[str, dict[str, Any]] = {
    "SecureTransport": {"Bool": {"aws:SecureTransport": "true"}},
    "UserAgent": {"StringLike": {"aws:UserAgent": "aws-cli/*"}},
    "SourceIp anywhere": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    "wildcard account": {"StringLike": {"aws:PrincipalAccount": "*"}},
    "wildcard among accounts": {"StringLike": {"kms:CallerAccount": [OWN, "*"]}},
    "IfExists": {"StringEqualsIfExists": {"aws:SourceAccount": OWN}},
    "ForAllValues": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ORG}},
    "negated": {"StringNotEquals": {"kms:CallerAccount": OTHER}},
    "ViaService only": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    "ResourceAccount (always the key's own)": {"StringEquals": {"aws:ResourceAccount": OWN}},
    "policy variable": {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}},
    "SourceArn wildcard account": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:*:alarm:*"}},
    "StringLike crosses colons": {"StringLike": {"aws:PrincipalArn": f"arn:aws:*:{OWN}:*"}},
    "wildcard org": {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
    "Null check": {"Null": {"aws:SourceAccount": "false"}},
    "not an account id": {"StringEquals": {"aws:SourceAccount": "my-account"}},
    "empty value list": {"StringEquals": {"aws:SourceAccount": []}},
}

NARROWING: dict[str, dict[str, Any]] = {
    "CallerAccount": {"StringEquals": {"kms:CallerAccount": OWN}},
    "SourceAccount, key in any case": {"StringEquals": {"AWS:SourceAccount": OWN}},
    "SourceOwner (SNS default policy)": {"StringEquals": {"AWS:SourceOwner": OWN}},
    "PrincipalOrgID": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    "ForAnyValue on a single-valued key": {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ORG}},
    "SourceArn with account, region wildcard": {"ArnLike": {"aws:SourceArn": ALARMS_ANY_REGION}},
    "SourceArn of one bucket": {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::logs-123"}},
    "SourceVpce": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
    "narrowing AND non-narrowing": {"Bool": {"aws:SecureTransport": "true"},
                                    "StringEquals": {"aws:PrincipalAccount": OWN}},
    "account as a JSON number": {"StringEquals": {"kms:CallerAccount": int(OWN)}},
}


@pytest.mark.parametrize("condition", list(NOT_NARROWING))
def test_conditions_that_do_not_narrow_leave_the_statement_public(condition):
    [st] = docs.statements(doc(allow("*", NOT_NARROWING[condition])))
    assert not docs.narrowing(st).narrowed and docs.public(st)


@pytest.mark.parametrize("condition", list(NARROWING))
def test_conditions_that_narrow_make_it_not_public(condition):
    [st] = docs.statements(doc(allow("*", NARROWING[condition])))
    assert docs.narrowing(st).narrowed and not docs.public(st)


@pytest.mark.parametrize(("principal", "is_public"), [
    ("*", True), ({"AWS": "*"}, True), ({"AWS": ["*"]}, True), ({"AWS": [ROOT["AWS"], "*"]}, True),
    ({"CanonicalUser": "*"}, True), (ROOT, False), ({"Service": "logs.amazonaws.com"}, False),
    ({"AWS": OWN}, False),
])
def test_every_spelling_of_everyone_is_public(principal, is_public):
    [st] = docs.statements(doc(allow(principal)))
    assert docs.public(st) is is_public


def test_not_principal_is_public_on_an_allow_only():
    [allowed, denied] = docs.statements(doc(allow(not_principal=ROOT),
                                            allow(not_principal=ROOT, effect="Deny")))
    assert docs.public(allowed) and not docs.public(denied)


def test_narrowing_reports_the_accounts_and_orgs_it_pins():
    [st] = docs.statements(doc(allow("*", {"StringEquals": {"aws:PrincipalAccount": [OWN, OTHER]},
                                           "ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{OWN}:*"}})))
    assert docs.narrowing(st).accounts == {OWN}  # ANDed: both must hold
    paths = {"StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-ab12/*"}}
    [org] = docs.statements(doc(allow("*", paths)))
    assert docs.narrowing(org).orgs == {ORG}


# --------------------------------------------------------------------------------------------
# KMS.5
# --------------------------------------------------------------------------------------------

PROD_LIKE_KEY = doc(
    {"Sid": "Root", "Effect": "Allow", "Principal": ROOT, "Action": "kms:*", "Resource": "*"},
    {"Sid": "Alarms", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
     "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceAccount": OWN}}})

KMS_EVASIONS = {
    # named in the issue
    "Principal * with any condition": doc(allow("*", {"Bool": {"aws:SecureTransport": "true"}})),
    "Allow + NotPrincipal": doc(allow(not_principal=ROOT)),
    # found
    "Principal {AWS: *}": doc(allow({"AWS": "*"})),
    "mixed list with *": doc(allow({"AWS": [ROOT["AWS"], "*"]})),
    "wildcard account condition": doc(allow("*", NOT_NARROWING["wildcard account"])),
    "IfExists condition": doc(allow("*", NOT_NARROWING["IfExists"])),
    "ViaService only": doc(allow("*", NOT_NARROWING["ViaService only"])),
    "policy variable": doc(allow("*", NOT_NARROWING["policy variable"])),
    "single statement object": json.dumps({"Statement": allow({"AWS": ["*"]})}),
}


@pytest.mark.parametrize("case", list(KMS_EVASIONS))
def test_kms_public_key_policy_evasions_fire(case):
    [message] = validate_resource(RULES["kms-key-not-public"], KEY, {"policy": KMS_EVASIONS[case]})
    assert "key policy statement Case" in message or "key policy statement #0" in message
    assert "[KMS.5]" in message


@pytest.mark.parametrize("policy", [
    PROD_LIKE_KEY, doc(allow("*", NARROWING["CallerAccount"])), doc(allow("*", NARROWING["PrincipalOrgID"])),
    doc(allow(not_principal=ROOT, effect="Deny")), None,
], ids=["prod-like", "caller-account", "org", "deny-not-principal", "default-policy"])
def test_kms_narrowed_key_policies_pass(policy):
    props = {"policy": policy} if policy else {}
    assert validate_resource(RULES["kms-key-not-public"], KEY, props) == []


def test_kms_unreadable_policy_fires():
    [message] = validate_resource(RULES["kms-key-not-public"], KEY, {"policy": "{not json"})
    assert "not a JSON document" in message


# --------------------------------------------------------------------------------------------
# SNS.4
# --------------------------------------------------------------------------------------------

TOPIC_ARN = f"arn:aws:sns:us-east-1:{OWN}:alarms"
SNS_DEFAULT = doc({"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                   "Action": ["SNS:Publish", "SNS:Subscribe"], "Resource": TOPIC_ARN,
                   "Condition": {"StringEquals": {"AWS:SourceOwner": OWN}}})

SNS_EVASIONS = {
    "anyone publishes": doc(allow("*", action="sns:Publish")),
    "wildcard SourceOwner": doc(allow({"AWS": "*"}, {"StringLike": {"AWS:SourceOwner": "*"}},
                                      action="sns:Subscribe")),
    "NotPrincipal": doc(allow(not_principal=ROOT, action="sns:*")),
    "SourceArn any account": doc(allow({"Service": "cloudwatch.amazonaws.com"}, action="sns:Publish"),
                                 allow("*", NOT_NARROWING["SourceArn wildcard account"],
                                       action="sns:Publish")),
    "IfExists": doc(allow("*", {"ArnLikeIfExists": {"aws:SourceArn": ALARMS_ANY_REGION}},
                          action="sns:Publish")),
}


@pytest.mark.parametrize("kind", [TOPIC, TOPIC_POLICY])
@pytest.mark.parametrize("case", list(SNS_EVASIONS))
def test_sns_public_topic_policy_evasions_fire(case, kind):
    found = validate_resource(RULES["sns-topic-not-public"], kind,
                              {"policy": SNS_EVASIONS[case], "arn": TOPIC_ARN})
    assert len(found) == 1 and "access policy statement" in found[0] and "[SNS.4]" in found[0]


@pytest.mark.parametrize("kind", [TOPIC, TOPIC_POLICY])
def test_sns_default_and_service_policies_pass(kind, prod):
    rule = RULES["sns-topic-not-public"]
    assert validate_resource(rule, kind, {"policy": SNS_DEFAULT}) == []
    assert validate_resource(rule, TOPIC, {"name": "no-policy"}) == []
    topic_policies = prod.of_type(TOPIC_POLICY)
    assert topic_policies, "prod has topic policies to judge"
    for record in topic_policies:
        assert validate_resource(rule, TOPIC_POLICY, record.inputs) == []


# --------------------------------------------------------------------------------------------
# S3.5
# --------------------------------------------------------------------------------------------

BUCKET_NAME = "logs-123"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET_NAME}"
TLS = {"Bool": {"aws:SecureTransport": "false"}}


def deny(**overrides: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                          "Action": "s3:*", "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"], "Condition": TLS}
    for key, value in overrides.items():
        if value is None:
            st.pop(key, None)
        else:
            st[key] = value
    return st


def bucket_stack(*statements: dict[str, Any], inline: bool = False, with_arn: bool = True,
                 account_arn: str | None = f"arn:aws:kms:us-east-1:{OWN}:key/k") -> list:
    props = {"bucket": BUCKET_NAME, **({"arn": BUCKET_ARN} if with_arn else {})}
    if inline:
        props["policy"] = doc(*statements)
    bucket = synthetic(BUCKET, "logs", props)
    out = [bucket]
    if account_arn:
        out.append(synthetic(KEY, "key", {"arn": account_arn}))
    if not inline:
        out.append(synthetic(BUCKET_POLICY, "logs-policy",
                             {"bucket": BUCKET_NAME, "policy": doc(*statements)}, deps={"bucket": [bucket]}))
    return out


TLS_EVASIONS = {
    # named in the issue
    "Deny on a single action": deny(Action="s3:GetObject"),
    "Deny on another bucket's ARN": deny(Resource=["arn:aws:s3:::other", "arn:aws:s3:::other/*"]),
    # found
    "only the objects ARN": deny(Resource=f"{BUCKET_ARN}/*"),
    "only the bucket ARN": deny(Resource=BUCKET_ARN),
    "one prefix of the objects": deny(Resource=[BUCKET_ARN, f"{BUCKET_ARN}/public/*"]),
    "NotPrincipal": deny(Principal=None, NotPrincipal=ROOT),
    "Principal limited to one account": deny(Principal={"AWS": OTHER}),
    "condition value true": deny(Condition={"Bool": {"aws:SecureTransport": "true"}}),
    "TlsVersion instead of SecureTransport": deny(Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
    "extra condition narrows the deny": deny(Condition={**TLS, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    "Allow instead of Deny": deny(Effect="Allow"),
    "NotAction exempts reads": deny(Action=None, NotAction="s3:GetObject"),
    "NotResource": deny(Resource=None, NotResource="arn:aws:s3:::other"),
    "a Deny of all actions of another service": deny(Action="sqs:*"),
}


@pytest.mark.parametrize("case", list(TLS_EVASIONS))
def test_s3_tls_only_evasions_fire(case):
    found = validate_stack(RULES["s3-tls-only"], bucket_stack(TLS_EVASIONS[case]))
    assert len(found) == 1, found
    urn, message = found[0]
    assert urn.endswith("::logs") and "[S3.5]" in message and "statement DenyInsecureTransport" in message


@pytest.mark.parametrize("statement", [
    deny(), deny(Resource="*"), deny(Action="*"), deny(Action=["s3:GetObject", "S3:*"]),
    deny(Principal={"AWS": "*"}), deny(Principal={"AWS": ["*"]}), deny(Resource=f"{BUCKET_ARN}*"),
    deny(Condition={"BoolIfExists": {"aws:SecureTransport": False}}), deny(Action=None, NotAction="sqs:*"),
], ids=["prod-form", "resource-star", "action-star", "list-with-s3-star", "aws-star", "aws-star-list",
        "arn-prefix", "bool-if-exists-json-false", "not-action-other-service"])
def test_s3_tls_only_statements_pass(statement):
    assert validate_stack(RULES["s3-tls-only"], bucket_stack(statement)) == []


def test_s3_tls_only_reads_inline_policies_and_the_bucket_name():
    rule = RULES["s3-tls-only"]
    assert validate_stack(rule, bucket_stack(deny(), inline=True)) == []
    assert validate_stack(rule, bucket_stack(deny(), with_arn=False)) == []
    assert validate_stack(rule, bucket_stack(deny(Action="s3:PutObject"), inline=True))
    owner_only = {"Effect": "Allow", "Principal": ROOT, "Action": "s3:*", "Resource": "*"}
    [(_, message)] = validate_stack(rule, bucket_stack(owner_only))
    assert "has no policy denying aws:SecureTransport=false" in message


def test_s3_tls_only_prod_bucket_policy_passes_and_breaks(prod):
    rule = RULES["s3-tls-only"]
    assert validate_stack(rule, stack_resources(prod.resources)) == []
    records = copy.deepcopy(prod.resources)
    [policy] = [r for r in records if r.type == BUCKET_POLICY and r.name == "load-balancer-logs-policy"]
    document = json.loads(policy.inputs["policy"])
    [statement] = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    statement["Resource"] = statement["Resource"][1]  # the objects only: bucket-level calls over HTTP
    policy.inputs["policy"] = policy.outputs["policy"] = json.dumps(document)
    [(_, message)] = validate_stack(rule, stack_resources(records))
    assert "load-balancer-logs" in message and "does not cover the bucket's ARN" in message


# --------------------------------------------------------------------------------------------
# S3.6
# --------------------------------------------------------------------------------------------


def grant(principal: Any, action: Any, condition: dict | None = None, **extra: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": "Grant", "Effect": "Allow", "Principal": principal, "Action": action,
                          "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"], **extra}
    if condition:
        st["Condition"] = condition
    if action is None:
        st.pop("Action")
    return st


OTHER_ROOT = {"AWS": f"arn:aws:iam::{OTHER}:root"}
CROSS_ACCOUNT_EVASIONS = {
    "other account PutBucketPolicy": grant(OTHER_ROOT, "s3:PutBucketPolicy"),
    "s3:Put* to another account": grant(OTHER_ROOT, "s3:Put*"),
    "s3:* to another account's role": grant({"AWS": f"arn:aws:iam::{OTHER}:role/x"}, "s3:*"),
    "account shorthand": grant({"AWS": OTHER}, "s3:PutObjectAcl"),
    "action in other case": grant(OTHER_ROOT, "S3:PUTBUCKETACL"),
    "NotAction grants the rest": grant(OTHER_ROOT, None, NotAction="s3:GetObject"),
    "public": grant("*", "s3:PutEncryptionConfiguration"),
    "public with a condition that does not narrow": grant("*", "s3:DeleteBucketPolicy",
                                                          {"Bool": {"aws:SecureTransport": "true"}}),
    "Principal * narrowed to another account": grant("*", "s3:PutBucketAcl",
                                                     {"StringEquals": {"aws:PrincipalAccount": OTHER}}),
    "Principal * narrowed to an organisation": grant("*", "s3:PutBucketAcl",
                                                     {"StringEquals": {"aws:PrincipalOrgID": ORG}}),
    "canonical user": grant({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eac"},
                            "s3:PutObjectAcl"),
    "NotPrincipal": {"Sid": "Grant", "Effect": "Allow", "NotPrincipal": ROOT, "Action": "s3:PutBucketPolicy",
                     "Resource": BUCKET_ARN},
}


@pytest.mark.parametrize("inline", [False, True], ids=["bucket-policy", "inline"])
@pytest.mark.parametrize("case", list(CROSS_ACCOUNT_EVASIONS))
def test_s3_cross_account_admin_evasions_fire(case, inline):
    stack = bucket_stack(deny(), CROSS_ACCOUNT_EVASIONS[case], inline=inline)
    found = validate_stack(RULES["s3-no-cross-account-admin"], stack)
    assert len(found) == 1, found
    urn, message = found[0]
    assert urn.endswith("::logs" if inline else "::logs-policy") and "[S3.6]" in message
    assert "statement Grant lets" in message


@pytest.mark.parametrize("statement", [
    grant(OTHER_ROOT, "s3:PutObject"),  # ELB log delivery
    grant(ROOT, "s3:PutBucketPolicy"),
    grant({"AWS": f"arn:aws:iam::{OWN}:role/admin"}, "s3:*"),
    grant("*", "s3:PutObjectAcl", {"StringEquals": {"aws:PrincipalAccount": OWN}}),
    grant({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject",
          {"StringEquals": {"aws:SourceAccount": OWN}}),
    {**grant(OTHER_ROOT, "s3:*"), "Effect": "Deny"},
    grant(OTHER_ROOT, ["s3:GetObject", "s3:ListBucket"]),
], ids=["elb-put-object", "own-root", "own-role", "star-narrowed-to-own", "service", "deny", "reads"])
def test_s3_cross_account_admin_allowed_grants_pass(statement):
    assert validate_stack(RULES["s3-no-cross-account-admin"], bucket_stack(deny(), statement)) == []


def test_s3_cross_account_admin_without_a_known_account_treats_every_account_as_foreign():
    rule = RULES["s3-no-cross-account-admin"]
    assert validate_stack(rule, bucket_stack(grant(ROOT, "s3:PutBucketPolicy"))) == []
    [(_, message)] = validate_stack(rule, bucket_stack(grant(ROOT, "s3:PutBucketPolicy"), account_arn=None))
    assert f"AWS arn:aws:iam::{OWN}:root" in message
    assert validate_stack(rule, bucket_stack(grant(OTHER_ROOT, "s3:PutObject"), account_arn=None)) == []


def test_s3_cross_account_admin_reads_the_prod_account_and_fires_when_broken(prod):
    rule = RULES["s3-no-cross-account-admin"]
    resources = stack_resources(prod.resources)
    assert security.stack_accounts(security.Stack(resources)) == {OWN}
    assert validate_stack(rule, resources) == []
    records = copy.deepcopy(prod.resources)
    [policy] = [r for r in records if r.type == BUCKET_POLICY and r.name == "load-balancer-logs-policy"]
    document = json.loads(policy.inputs["policy"])
    [delivery] = [s for s in document["Statement"] if s["Effect"] == "Allow"]  # ELB log delivery
    assert delivery["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    delivery["Action"] = "s3:Put*"  # the ELB account may now rewrite the policy
    policy.inputs["policy"] = policy.outputs["policy"] = json.dumps(document)
    [(_, message)] = validate_stack(rule, stack_resources(records))
    assert "arn:aws:iam::127311923021:root" in message and "s3:PutBucketPolicy" in message


# --------------------------------------------------------------------------------------------
# SecretsManager.1/.4: exemptions carry a reason and an expiry date
# --------------------------------------------------------------------------------------------

TODAY = "2026-12-01"
REASON = "token rotates with the replication group's ROTATE strategy"


def secret(**tags: str) -> list:
    return [synthetic(SECRET, "token", {"tags": {**TAGS, **tags},
                                        "arn": f"arn:aws:secretsmanager:us-east-1:{OWN}:secret:token"})]


def rotation_found(stack: list, **config: Any) -> list[str]:
    return [m for _, m in validate_stack(RULES["secretsmanager-rotation"], stack, {"today": TODAY, **config})]


@pytest.mark.parametrize(("tags", "fragment"), [
    ({"RotationExempt": REASON}, "no expiry date"),  # the tag alone (the issue)
    ({"RotationExempt": REASON, "RotationExemptUntil": "2026-11-30"}, "expired on 2026-11-30"),
    ({"RotationExempt": REASON, "RotationExemptUntil": "2027-05-31"}, "more than 180 days"),
    ({"RotationExempt": REASON, "RotationExemptUntil": "2099-01-01"}, "more than 180 days"),
    ({"RotationExemptUntil": "2026-12-31"}, "no reason"),
    ({"RotationExempt": "  ", "RotationExemptUntil": "2026-12-31"}, "no reason"),
    ({"RotationExempt": "true", "RotationExemptUntil": "2026-12-31"}, "is not a reason"),
    ({"RotationExempt": REASON, "RotationExemptUntil": "31/12/2026"}, "not a YYYY-MM-DD date"),
    ({"RotationExempt": REASON, "RotationExemptUntil": "2026-13-01"}, "not a YYYY-MM-DD date"),
    ({"RotationExempt": REASON, "RotationExemptUntil": "never"}, "not a YYYY-MM-DD date"),
], ids=["tag-alone", "expired", "181-days", "far-future", "no-reason", "blank-reason", "placeholder",
        "other-format", "bad-month", "never"])
def test_rotation_exemptions_that_do_not_count_fire(tags, fragment):
    [message] = rotation_found(secret(**tags))
    assert "exemption does not count" in message and fragment in message


@pytest.mark.parametrize("until", ["2026-12-01", "2026-12-31", "2027-05-30"],
                         ids=["today", "month", "180-days"])
def test_rotation_exemptions_with_reason_and_expiry_count(until):
    assert rotation_found(secret(RotationExempt=REASON, RotationExemptUntil=until)) == []


def test_rotation_exemption_limit_and_date_come_from_config():
    long_one = secret(RotationExempt=REASON, RotationExemptUntil="2027-05-30")
    [message] = rotation_found(long_one, maximumExemptionDays=30)
    assert "more than 30 days after 2026-12-01 (maximumExemptionDays)" in message
    [message] = rotation_found(long_one, today="2027-05-31")
    assert "expired on 2027-05-30" in message  # a day later
    # without `today`, the real (UTC) date: a past expiry fails, one next week counts
    rule = RULES["secretsmanager-rotation"]
    next_week = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
    [(_, message)] = validate_stack(rule, secret(RotationExempt=REASON, RotationExemptUntil="2020-01-01"))
    assert "expired on 2020-01-01" in message
    assert validate_stack(rule, secret(RotationExempt=REASON, RotationExemptUntil=next_week)) == []


def test_a_rotating_secret_needs_no_exemption_and_a_bad_one_does_not_hurt():
    rotation = synthetic("aws:secretsmanager/secretRotation:SecretRotation", "rot",
                         {"secretId": f"arn:aws:secretsmanager:us-east-1:{OWN}:secret:token",
                          "rotationRules": {"automaticallyAfterDays": 30}})
    assert rotation_found([*secret(RotationExempt=REASON), rotation]) == []
    [message] = rotation_found(secret())
    assert "has no RotationExempt + RotationExemptUntil exemption" in message


def _with_secret(plan: PlanResult, name: str, **tags: str) -> list[ResourceRecord]:
    """The plan's records plus one more secret (a copy of the first one) with these tags."""
    records = copy.deepcopy(plan.resources)
    template = next(r for r in records if r.type == SECRET)
    extra = copy.deepcopy(template)
    extra.name, extra.urn = name, template.urn.rsplit("::", 1)[0] + f"::{name}"
    for props in (extra.inputs, extra.outputs):
        props["tags"] = {**props.get("tags", {}), **tags}
        props.pop("arn", None)
    extra.outputs["arn"] = f"arn:aws:secretsmanager:us-east-1:{OWN}:secret:{name}"
    return [*records, extra]


def test_check_reports_every_exemption_in_use(prod):
    assert check_plan(prod).exemptions == []  # prod keeps no exempt secret
    until = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    records = _with_secret(prod, "legacy-api-key", RotationExemptUntil=until,
                           RotationExempt="vendor key; the vendor has no rotation API")
    result = check_records(records, PROD_CONFIG, stack="prod")
    assert result.fired("secretsmanager-rotation") == []
    before = check_records(prod.resources, PROD_CONFIG, stack="prod")
    assert {v.message for v in result.mandatory} == {v.message for v in before.mandatory}  # nothing new
    [exemption] = result.exempt
    assert (exemption.name, exemption.until) == ("legacy-api-key", until)
    lines = report_lines(result)
    assert "rotation exemptions: 1 in use" in lines
    assert f"  - secret 'legacy-api-key': vendor key; the vendor has no rotation API (until {until})" in lines
    assert "1 rotation exemption(s) in use" in result.summary()
    [entry] = result.to_json()["exemptions"]
    assert entry == {"secret": "legacy-api-key", "urn": exemption.urn, "reason": exemption.reason,
                     "until": until, "counts": True}


def test_check_lists_exemptions_that_do_not_count_and_fails(prod):
    records = _with_secret(prod, "old-token", RotationExempt=REASON)
    result = check_records(records, PROD_CONFIG, stack="prod")
    assert result.exempt == []
    [hit] = result.fired("secretsmanager-rotation", "mandatory")
    assert hit.resource_name == "old-token" and "no expiry date" in hit.message
    assert exemption_lines(result) == [
        "rotation exemptions: 0 in use, 1 that do not count",
        f"  - secret 'old-token': {REASON} (DOES NOT COUNT: no expiry date "
        "(RotationExemptUntil=YYYY-MM-DD missing))"]
    assert result.to_json()["exemptions"][0]["counts"] is False


def test_groundwork_check_json_lists_exemptions(tmp_path, monkeypatch, dev):
    from dataclasses import replace

    from groundwork import cli

    monkeypatch.setattr(cli, "run_plan", lambda stack: dev)  # the session's plan: no second run
    out = tmp_path / "check.json"
    result = CliRunner().invoke(cli.app, ["check", "dev", "--json", str(out)])
    assert result.exit_code == 0, result.output  # dev passes every mandatory rule
    written = json.loads(out.read_text())
    assert written["stack"] == "dev" and written["passed"] is True
    assert written["exemptions"] == [] and {"violations", "skipped", "summary"} <= set(written)
    assert "rotation exemptions" not in result.output
    # the same plan with one exempt secret: the CLI prints it and writes it
    until = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    exempt = replace(dev, resources=_with_secret(dev, "legacy-api-key", RotationExemptUntil=until,
                                                 RotationExempt="vendor key; no rotation API"))
    monkeypatch.setattr(cli, "run_plan", lambda stack: exempt)
    result = CliRunner().invoke(cli.app, ["check", "dev", "--json", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rotation exemptions: 1 in use" in result.output
    [entry] = json.loads(out.read_text())["exemptions"]
    assert (entry["secret"], entry["until"], entry["counts"]) == ("legacy-api-key", until, True)


def test_date_helpers_are_deterministic():
    assert security.today_of({"today": TODAY}) == date(2026, 12, 1)
    assert security.today_of({}) == datetime.now(UTC).date()
