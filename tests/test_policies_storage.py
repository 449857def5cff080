"""Bucket rules of policies/rules/storage.py (S3.2, S3.3, S3.9, S3.13/S3.10): each way a bucket
can be opened or left without logs or lifecycle, and the stacks' real buckets passing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from groundwork.check import check_plan, synthetic, validate_stack
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {"s3-no-public-read", "s3-no-public-write", "s3-access-logging", "s3-lifecycle"}
BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ACL = "aws:s3/bucketAcl:BucketAcl"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
ARN = "arn:aws:s3:::assets"


def _bucket(name: str = "assets", **props: Any):
    return synthetic(BUCKET, name, {"bucket": name, **props})


def _policy(bucket, *statements: dict[str, Any]):
    doc = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return synthetic(POLICY, f"{bucket.name}-policy", {"bucket": bucket.name, "policy": doc},
                     deps={"bucket": [bucket]})


def _allow(action: Any, principal: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action,
            "Resource": [ARN, f"{ARN}/*"], **extra}


# --- S3.2 / S3.3: public read and write ---------------------------------------------------------


@pytest.mark.parametrize("statement", [
    _allow("s3:GetObject"),
    _allow("s3:Get*", {"AWS": "*"}),
    _allow(["s3:ListBucket"], {"AWS": ["arn:aws:iam::123456789012:root", "*"]}),
    _allow("s3:*", "*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
    {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": "s3:GetObject", "Resource": f"{ARN}/*"},
    {"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteBucket", "Resource": f"{ARN}/*"},
], ids=["get", "get-wildcard-aws-star", "list-mixed-principals", "tls-condition-only", "not-principal",
        "not-action"])
def test_public_read_by_policy_fails(statement):
    bucket = _bucket()
    problems = validate_stack(RULES["s3-no-public-read"], [bucket, _policy(bucket, statement)])
    assert problems and "lets anyone" in problems[0][1] and "[S3.2]" in problems[0][1]


@pytest.mark.parametrize("statement", [
    _allow("s3:PutObject"),
    _allow("s3:Put*"),
    _allow("s3:DeleteObject*"),
    _allow("*"),
    _allow("s3:PutObject", "*", Condition={"StringLike": {"aws:SourceAccount": "*"}}),
], ids=["put", "put-wildcard", "delete-wildcard", "star", "wildcard-account-condition"])
def test_public_write_by_policy_fails(statement):
    bucket = _bucket()
    problems = validate_stack(RULES["s3-no-public-write"], [bucket, _policy(bucket, statement)])
    assert problems and "[S3.3]" in problems[0][1]


@pytest.mark.parametrize(("acl_props", "read", "write"), [
    ({"acl": "public-read"}, True, False),
    ({"acl": "authenticated-read"}, True, False),
    ({"acl": "public-read-write"}, True, True),
    ({"accessControlPolicy": {"grants": [{"grantee": {
        "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "permission": "WRITE"}], "owner": {"id": "x"}}}, False, True),
    ({"accessControlPolicy": {"grants": [{"grantee": {
        "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
        "permission": "FULL_CONTROL"}], "owner": {"id": "x"}}}, True, True),
    ({"acl": "private"}, False, False),
])
def test_public_acls_fail_on_the_bucket_or_a_separate_acl(acl_props, read, write):
    for inline in (True, False):
        bucket = _bucket(**acl_props) if inline else _bucket()
        extra = [] if inline else [synthetic(ACL, "acl", {"bucket": "assets", **acl_props},
                                             deps={"bucket": [bucket]})]
        assert bool(validate_stack(RULES["s3-no-public-read"], [bucket, *extra])) is read
        assert bool(validate_stack(RULES["s3-no-public-write"], [bucket, *extra])) is write


@pytest.mark.parametrize("statement", [
    _allow("s3:GetObject", {"AWS": "arn:aws:iam::123456789012:role/reader"}),
    _allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}}),
    _allow("s3:PutObject", {"Service": "logging.s3.amazonaws.com"},
           Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}}),
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [ARN, f"{ARN}/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
], ids=["named-role", "org-condition", "service-with-account", "tls-deny"])
def test_narrowed_or_denying_statements_pass(statement):
    bucket = _bucket()
    resources = [bucket, _policy(bucket, statement)]
    assert validate_stack(RULES["s3-no-public-read"], resources) == []
    assert validate_stack(RULES["s3-no-public-write"], resources) == []


def test_another_buckets_public_policy_is_reported_against_that_bucket():
    mine, other = _bucket("mine"), _bucket("other")
    resources = [mine, other, _policy(other, _allow("s3:GetObject"))]
    [(urn, _)] = validate_stack(RULES["s3-no-public-read"], resources)
    assert urn.endswith("::other")


# --- S3.9: server access logging ---------------------------------------------------------------


def _logging(source, target):
    return synthetic(LOGGING, f"{source.name}-logging",
                     {"bucket": source.name, "targetBucket": target.name, "targetPrefix": "s3/"},
                     deps={"bucket": [source], "targetBucket": [target]})


def test_a_bucket_without_logging_fails():
    [(_, message)] = validate_stack(RULES["s3-access-logging"], [_bucket()])
    assert "no server access logging" in message and "[S3.9]" in message


def test_logging_into_itself_fails():
    bucket = _bucket()
    [(_, message)] = validate_stack(RULES["s3-access-logging"], [bucket, _logging(bucket, bucket)])
    assert "into itself" in message


def test_the_terminal_log_bucket_is_the_only_exception():
    data, logs = _bucket("data"), _bucket("logs")
    assert validate_stack(RULES["s3-access-logging"], [data, logs, _logging(data, logs)]) == []
    # the exception is the receiving end only: a third bucket without logging still fails
    third = _bucket("third")
    [(urn, _)] = validate_stack(RULES["s3-access-logging"], [data, logs, third, _logging(data, logs)])
    assert urn.endswith("::third")


def test_a_logging_resource_of_another_bucket_does_not_count():
    data, other, logs = _bucket("data"), _bucket("other"), _bucket("logs")
    found = validate_stack(RULES["s3-access-logging"], [data, other, logs, _logging(other, logs)])
    assert [u.rsplit("::", 1)[-1] for u, _ in found] == ["data"]


# --- S3.13 / S3.10: lifecycle --------------------------------------------------------------------


def _lifecycle(bucket, *rules_: dict[str, Any]):
    return synthetic(LIFECYCLE, f"{bucket.name}-lifecycle", {"bucket": bucket.name, "rules": list(rules_)},
                     deps={"bucket": [bucket]})


def test_lifecycle_required_and_must_be_enabled():
    bucket, rule = _bucket(), RULES["s3-lifecycle"]
    [(_, missing)] = validate_stack(rule, [bucket])
    assert "no lifecycle configuration" in missing
    [(_, disabled)] = validate_stack(rule, [bucket, _lifecycle(bucket, {"id": "x", "status": "Disabled",
                                                                         "expiration": {"days": 30}})])
    assert "without an enabled rule" in disabled
    [(_, empty)] = validate_stack(rule, [bucket, _lifecycle(bucket)])
    assert "without an enabled rule" in empty
    assert validate_stack(rule, [bucket, _lifecycle(bucket, {"id": "x", "status": "Enabled",
                                                               "expiration": {"days": 30}})]) == []


def test_another_buckets_lifecycle_does_not_count():
    mine, other = _bucket("mine"), _bucket("other")
    found = validate_stack(RULES["s3-lifecycle"], [mine, other, _lifecycle(other, {"status": "Enabled"})])
    assert [u.rsplit("::", 1)[-1] for u, _ in found] == ["mine"]


# --- the stacks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stacks_buckets_pass(stack, request):
    plan = request.getfixturevalue(stack)
    assert [r for r in plan.resources if r.type == BUCKET], "the rules have buckets to judge"
    fired = [v.message for v in check_plan(plan).violations if v.policy in COVERED_RULES]
    assert fired == []
