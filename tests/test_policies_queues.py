"""SQS rules of policies/rules/queues.py: SQS.1 (a customer-managed key), SQS.3 (no public
queue policy, inline or separate) and groundwork's TLS-only guardrail, each with the ways around
it, and the committed stacks' queues passing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from groundwork.check import check_plan, synthetic, validate_resource, validate_stack
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {"sqs-queue-encrypted", "sqs-queue-not-public", "sqs-tls-only"}
QUEUE = "aws:sqs/queue:Queue"
POLICY = "aws:sqs/queuePolicy:QueuePolicy"
ARN = "arn:aws:sqs:us-east-1:123456789012:jobs"
URL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _doc(*statements: dict[str, Any], version: bool = True) -> str:
    return json.dumps({**({"Version": "2012-10-17"} if version else {}),
                       "Statement": list(statements)})


def _tls(**changes: Any) -> dict[str, Any]:
    st = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
          "Resource": ARN, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    st.update(changes)
    return {k: v for k, v in st.items() if v is not None}


def _allow(principal: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Sid": "Open", "Effect": "Allow", "Principal": principal, "Action": "sqs:SendMessage",
            "Resource": ARN, **extra}


# --- SQS.1: encrypted with a customer-managed key -----------------------------------------------


@pytest.mark.parametrize(("props", "fragment"), [
    ({}, "has no kmsMasterKeyId"),
    ({"kmsMasterKeyId": ""}, "has no kmsMasterKeyId"),
    ({"sqsManagedSseEnabled": False}, "has no kmsMasterKeyId"),
    ({"sqsManagedSseEnabled": True}, "SQS-owned keys only"),
    ({"sqsManagedSseEnabled": "true"}, "SQS-owned keys only"),
    ({"kmsMasterKeyId": "alias/aws/sqs"}, "AWS-managed key"),
    ({"kmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:alias/aws/sqs"}, "AWS-managed key"),
    ({"kmsMasterKeyId": KEY, "sqsManagedSseEnabled": True}, "sets both"),
    ({"kmsMasterKeyId": 42}, "not a key id or ARN"),
], ids=["missing", "empty", "sse-off", "sse-sqs", "sse-sqs-string", "aws-alias",
        "aws-alias-arn", "both", "wrong-type"])
def test_a_queue_without_a_customer_key_fails(props, fragment):
    [problem] = validate_resource(RULES["sqs-queue-encrypted"], QUEUE, {"name": "jobs", **props})
    assert fragment in problem and "[SQS.1]" in problem


@pytest.mark.parametrize("key", [KEY, "alias/groundwork-prod-data", "1234abcd-12ab-34cd"])
def test_a_customer_key_passes(key):
    assert validate_resource(RULES["sqs-queue-encrypted"], QUEUE, {"kmsMasterKeyId": key}) == []


def test_sse_sqs_passes_only_when_allowed():
    rule = RULES["sqs-queue-encrypted"]
    for props in ({"sqsManagedSseEnabled": True}, {"kmsMasterKeyId": "alias/aws/sqs"}):
        assert validate_resource(rule, QUEUE, props, config={"allowSqsManagedSse": True}) == []
    # a queue stating nothing fails even then: the program says nothing about encryption
    assert validate_resource(rule, QUEUE, {}, config={"allowSqsManagedSse": True})
    # and the conflict is a conflict whatever the config
    both = {"kmsMasterKeyId": KEY, "sqsManagedSseEnabled": True}
    assert validate_resource(rule, QUEUE, both, config={"allowSqsManagedSse": True})


# --- SQS.3: no public queue policy ----------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    _allow("*"),
    _allow({"AWS": "*"}),
    _allow({"AWS": ["arn:aws:iam::123456789012:root", "*"]}),
    _allow("*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
    _allow("*", Condition={"StringLike": {"aws:SourceAccount": "*"}}),
    _allow("*", Condition={"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}),
    _allow("*", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}),
    {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": "sqs:*", "Resource": ARN},
    {**_allow("*"), "Effect": "allow"},
], ids=["star", "aws-star", "mixed-list", "tls-condition-only", "wildcard-account",
        "if-exists", "wildcard-source-arn", "not-principal", "lowercase-effect"])
def test_public_queue_policies_fail_inline_and_separate(statement):
    rule = RULES["sqs-queue-not-public"]
    inline = validate_resource(rule, QUEUE, {"name": "jobs", "policy": _doc(statement)})
    separate = validate_resource(rule, POLICY, {"queueUrl": URL, "policy": _doc(statement)})
    for problems in (inline, separate):
        assert problems and "[SQS.3]" in problems[0] and "queue policy statement" in problems[0]


def test_a_structured_policy_is_read_too_and_garbage_fails():
    rule = RULES["sqs-queue-not-public"]
    assert validate_resource(rule, POLICY, {"policy": {"Statement": [_allow("*")]}})
    [problem] = validate_resource(rule, POLICY, {"policy": "not json"})
    assert "not a JSON document" in problem


@pytest.mark.parametrize("statement", [
    _allow({"AWS": "arn:aws:iam::123456789012:role/api"}),
    _allow({"Service": "sns.amazonaws.com"},
           Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:events"}}),
    _allow("*", Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}}),
    _allow("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}}),
    _tls(),
], ids=["named-role", "sns-with-source-arn", "account-condition", "org-condition", "tls-deny"])
def test_named_or_narrowed_or_denying_statements_pass(statement):
    rule = RULES["sqs-queue-not-public"]
    assert validate_resource(rule, QUEUE, {"policy": _doc(statement)}) == []
    assert validate_resource(rule, POLICY, {"policy": _doc(statement)}) == []


def test_a_queue_without_a_policy_is_not_public():
    assert validate_resource(RULES["sqs-queue-not-public"], QUEUE, {"name": "jobs"}) == []


# --- groundwork: every queue denies requests without TLS -----------------------------------------


def _queue(name: str = "jobs", **props: Any):
    return synthetic(QUEUE, name, {"name": name, "arn": ARN.replace("jobs", name),
                                   "url": URL.replace("jobs", name), **props})


def _policy(queue, *statements: dict[str, Any], name: str | None = None):
    return synthetic(POLICY, name or f"{queue.name}-policy",
                     {"queueUrl": queue.props["url"], "policy": _doc(*statements)},
                     deps={"queueUrl": [queue]})


def test_a_queue_with_a_tls_only_policy_passes_separate_or_inline():
    queue = _queue()
    assert validate_stack(RULES["sqs-tls-only"], [queue, _policy(queue, _tls())]) == []
    inline = _queue(policy=_doc(_tls()))
    assert validate_stack(RULES["sqs-tls-only"], [inline]) == []
    # the wildcard spellings AWS reads the same way
    for st in (_tls(Action="*"), _tls(Resource="*"), _tls(Principal={"AWS": "*"}),
               _tls(Condition={"BoolIfExists": {"aws:SecureTransport": "false"}}),
               _tls(Resource=[ARN, "arn:aws:sqs:us-east-1:123456789012:other"])):
        assert validate_stack(RULES["sqs-tls-only"], [queue, _policy(queue, st)]) == [], st


@pytest.mark.parametrize(("statement", "fragment"), [
    (_tls(Effect="Allow"), "is not a Deny"),
    (_tls(Principal={"AWS": "arn:aws:iam::123456789012:root"}), "every principal"),
    (_tls(Action="sqs:SendMessage"), "every SQS action"),
    (_tls(Action="s3:*"), "every SQS action"),
    (_tls(Resource="arn:aws:sqs:us-east-1:123456789012:other"), "cover the queue's ARN"),
    (_tls(Resource=None), "name the queue in Resource"),
    (_tls(Condition={"Bool": {"aws:SecureTransport": "true"}}), "aws:SecureTransport 'false' alone"),
    (_tls(Condition={"Bool": {"aws:SecureTransport": "false"},
                     "StringEquals": {"aws:SourceAccount": "123456789012"}}), "alone"),
    (_tls(Condition=None), "aws:SecureTransport 'false' alone"),
    ({**_tls(), "Principal": None, "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}}, "every principal"),
], ids=["allow", "named-principal", "one-action", "other-service", "other-queue", "no-resource",
        "true", "extra-condition", "no-condition", "not-principal"])
def test_a_statement_that_is_not_tls_only_fails(statement, fragment):
    queue = _queue()
    [(urn, message)] = validate_stack(RULES["sqs-tls-only"], [queue, _policy(queue, statement)])
    assert urn.endswith("::jobs") and fragment in message and "[SQS TLS only]" in message


def test_a_queue_with_no_policy_fails_and_every_policy_that_may_apply_is_judged():
    queue = _queue()
    [(_, message)] = validate_stack(RULES["sqs-tls-only"], [queue])
    assert "has no queue policy denying" in message
    # a second QueuePolicy (or the inline one next to it) replaces the first: each is judged
    inline = _queue(policy=_doc(_allow({"AWS": "arn:aws:iam::123456789012:root"})))
    problems = validate_stack(RULES["sqs-tls-only"], [inline, _policy(inline, _tls())])
    assert len(problems) == 1 and "policy 'jobs (inline)'" in problems[0][1]
    second = _policy(queue, _tls(Effect="Allow"), name="second")
    problems = validate_stack(RULES["sqs-tls-only"], [queue, _policy(queue, _tls()), second])
    assert len(problems) == 1 and "policy 'second'" in problems[0][1]


def test_the_policy_is_matched_by_url_without_dependencies_and_a_dlq_needs_its_own():
    queue, dlq = _queue(), _queue("jobs-dlq")
    by_value = synthetic(POLICY, "p", {"queueUrl": URL, "policy": _doc(_tls())})  # no deps
    problems = validate_stack(RULES["sqs-tls-only"], [queue, dlq, by_value])
    assert [u.rsplit("::", 1)[-1] for u, _ in problems] == ["jobs-dlq"]


def test_a_policy_for_a_queue_outside_the_stack_is_judged_against_its_url():
    bad = synthetic(POLICY, "elsewhere", {"queueUrl": URL, "policy": _doc(_allow("*"))})
    [(urn, message)] = validate_stack(RULES["sqs-tls-only"], [bad])
    assert urn.endswith("::elsewhere") and "queue 'jobs' (not in this stack)" in message
    good = synthetic(POLICY, "elsewhere", {"queueUrl": URL, "policy": _doc(_tls())})
    assert validate_stack(RULES["sqs-tls-only"], [good]) == []


def test_a_new_queue_whose_arn_is_unknown_is_judged_by_its_name():
    queue = synthetic(QUEUE, "jobs", {"name": "jobs"})
    policy = synthetic(POLICY, "p", {"policy": _doc(_tls())}, deps={"queueUrl": [queue]})
    assert validate_stack(RULES["sqs-tls-only"], [queue, policy]) == []
    other = synthetic(POLICY, "p", {"policy": _doc(_tls(Resource="arn:aws:sqs:*:*:other"))},
                      deps={"queueUrl": [queue]})
    assert validate_stack(RULES["sqs-tls-only"], [queue, other])
    topic = synthetic(POLICY, "p", {"policy": _doc(_tls(Resource="arn:aws:sns:*:*:jobs"))},
                      deps={"queueUrl": [queue]})
    assert validate_stack(RULES["sqs-tls-only"], [queue, topic])  # a topic named jobs


def _preview_queue(**props: Any):
    """A new queue in a preview: built with name_prefix, its name, ARN and URL unknown."""
    return synthetic(QUEUE, "jobs", {"namePrefix": "jobs-", "name": "[unknown]",
                                     "arn": "[unknown]", "url": "[unknown]", **props})


def _preview_policy(queue, policy: Any, *, sources: list | None = None):
    return synthetic(POLICY, "p", {"queueUrl": "[unknown]", "policy": policy},
                     deps={"queueUrl": [queue], "policy": [queue] if sources is None else sources})


@pytest.mark.parametrize("resource", [
    "*", "arn:aws:sqs:*:*:*", "arn:aws:sqs:us-east-1:123456789012:jobs-*", ["*"],
    "[unknown]", ["[unknown]", "arn:aws:sqs:us-east-1:123456789012:other"],
], ids=["star", "every-queue", "the-prefix", "star-list", "own-arn-output", "own-arn-in-list"])
def test_a_new_name_prefix_queue_passes_with_a_deny_that_covers_it(resource):
    """An auditor's false positive: with no known name or ARN, a correct deny on `*` (or on the
    queue's own ARN output, unknown in preview) was 'does not cover the queue's ARN'."""
    queue = _preview_queue()
    statement = _tls(Resource=resource)
    doc = {"Version": "2012-10-17", "Statement": [statement]}
    policy = _doc(statement) if "[unknown]" not in json.dumps(resource) else doc
    assert validate_stack(RULES["sqs-tls-only"], [queue, _preview_policy(queue, policy)]) == []
    inline = _preview_queue(policy=_doc(statement)) if policy is not doc else None
    if inline is not None:  # the queue's own policy input, same verdict
        assert validate_stack(RULES["sqs-tls-only"], [inline]) == []


@pytest.mark.parametrize("resource", [
    "arn:aws:sqs:us-east-1:123456789012:other", "arn:aws:sqs:us-east-1:123456789012:other-*",
    "arn:aws:sqs:us-east-1:123456789012:jobs-1", "arn:aws:sns:*:*:*",
], ids=["another-queue", "another-prefix", "one-name-of-the-prefix", "not-sqs"])
def test_a_new_name_prefix_queue_still_fails_with_a_deny_on_other_queues(resource):
    queue = _preview_queue()
    policy = _preview_policy(queue, _doc(_tls(Resource=resource)))
    [(urn, message)] = validate_stack(RULES["sqs-tls-only"], [queue, policy])
    assert urn.endswith("::jobs") and "does not cover the queue's ARN" in message


def test_an_unknown_resource_that_may_be_another_queues_is_judged_at_deploy():
    """The document depends on two queues: its unknown Resource may be either's ARN, so the
    rule can't decide in preview (skipped, as every rule on unknown values), rather than pass."""
    from pulumi_policy.proxy import UnknownValueError

    queue, other = _preview_queue(), synthetic(QUEUE, "other", {"name": "other"})
    doc = {"Version": "2012-10-17", "Statement": [_tls(Resource="[unknown]")]}
    policy = _preview_policy(queue, doc, sources=[queue, other])
    with pytest.raises(UnknownValueError):
        validate_stack(RULES["sqs-tls-only"], [queue, other, policy])
    # another Resource, or another statement, that covers the queue decides it without the
    # unknown one
    both = {"Version": "2012-10-17", "Statement": [_tls(Resource=["[unknown]", "*"])]}
    assert not [urn for urn, _ in validate_stack(RULES["sqs-tls-only"], [
        queue, other, _preview_policy(queue, both, sources=[queue, other])]) if urn == queue.urn]
    doc["Statement"].append(_tls(Sid="Star", Resource="*"))
    problems = validate_stack(RULES["sqs-tls-only"], [queue, other, _preview_policy(
        queue, doc, sources=[queue, other])])
    assert [urn for urn, _ in problems] == [other.urn]  # 'other' has no policy of its own


# --- the committed stacks ---------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_stacks_queues_pass_every_sqs_rule(stack, request):
    plan = request.getfixturevalue(stack)
    assert len(plan.of_type(QUEUE)) == 2 and len(plan.of_type(POLICY)) == 2
    result = check_plan(plan)
    assert [v.message for v in result.violations if v.policy in COVERED_RULES] == []
    assert not [s for s in result.skipped if s.policy in COVERED_RULES]
