"""Audit of the data-service rules of issue 16 (queues.py SQS.1/SQS.3/TLS only, search.py
Opensearch.*, documents.py DocumentDB.*, streaming.py MSK.*): inputs AWS accepts that broke a
rule's control yet passed the rule, each a failing case, with passing cases beside it so no fix
is "always fire". The rules' ordinary cases live in tests/test_policies_{queues,search,documents,
streaming}.py (COVERED_RULES is empty here for that reason).

Each evasion is listed in docs/policies.md under "Tested evasions"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from groundwork.check import check_plan, synthetic, validate_resource, validate_stack
from groundwork.policies import rules

COVERED_RULES: set[str] = set()
"""The rules here have their passing and failing cases in their own modules already."""

RULES = rules.by_name()
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
DOMAIN = "aws:opensearch/domain:Domain"
DOMAIN_POLICY = "aws:opensearch/domainPolicy:DomainPolicy"
LEGACY_DOMAIN_POLICY = "aws:elasticsearch/domainPolicy:DomainPolicy"
DOCDB = "aws:docdb/cluster:Cluster"
DOCDB_GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
MSK = "aws:msk/cluster:Cluster"
ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DOMAIN_ARN = f"arn:aws:es:us-east-1:{ACCOUNT}:domain/shop"
LOG = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/OpenSearchService/domains/shop/"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def messages(found: list) -> list[str]:
    return [m if isinstance(m, str) else m[1] for m in found]


# --- SQS.1: any AWS-managed key, in any case, is not a customer key -------------------------------


@pytest.mark.parametrize("key", [
    "alias/aws/s3",
    f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/lambda",
    "alias/AWS/sqs",
    "ALIAS/AWS/SQS",
    " alias/aws/sqs",
], ids=["other-service-alias", "other-service-alias-arn", "odd-case", "upper-case", "padded"])
def test_an_aws_managed_key_in_any_spelling_fails_sqs_1(key):
    [problem] = validate_resource(RULES["sqs-queue-encrypted"], QUEUE, {"kmsMasterKeyId": key})
    assert "AWS-managed key" in problem and "[SQS.1]" in problem


def test_allow_sqs_managed_sse_accepts_sqs_own_key_only():
    rule, allow = RULES["sqs-queue-encrypted"], {"allowSqsManagedSse": True}
    for key in ("alias/aws/sqs", "ALIAS/AWS/SQS", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/sqs"):
        assert validate_resource(rule, QUEUE, {"kmsMasterKeyId": key}, config=allow) == [], key
    # another service's AWS-managed key can't be used by SQS at all
    assert validate_resource(rule, QUEUE, {"kmsMasterKeyId": "alias/aws/s3"}, config=allow)


@pytest.mark.parametrize("key", ["alias/awsome-data", "alias/team/aws/jobs", KEY])
def test_customer_aliases_that_merely_contain_aws_pass_sqs_1(key):
    assert validate_resource(RULES["sqs-queue-encrypted"], QUEUE, {"kmsMasterKeyId": key}) == []


# --- SQS TLS only: a QueuePolicy's dependencies don't prove which queue it sets -------------------


def _queue(name: str, **props: Any):
    return synthetic(QUEUE, name, {"name": name, "arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}",
                                   "url": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{name}",
                                   **props})


TLS_ANY_QUEUE = {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _policy(name: str, url: Any, *deps):
    return synthetic(QUEUE_POLICY, name, {"queueUrl": url, "policy": doc(TLS_ANY_QUEUE)},
                     deps={"queueUrl": list(deps)})


def test_a_policy_computed_from_two_queues_sets_the_policy_of_the_one_it_names():
    """`queue_url=Output.all(main.url, dlq.url).apply(lambda u: u[1])` depends on both queues
    but only the DLQ gets the policy: the main queue has none."""
    main, dlq = _queue("jobs"), _queue("jobs-dlq")
    shared = _policy("dlq-policy", dlq.props["url"], main, dlq)
    [(urn, message)] = validate_stack(RULES["sqs-tls-only"], [main, dlq, shared])
    assert urn.endswith("::jobs") and "has no queue policy denying" in message
    # its own policy fixes it
    own = _policy("jobs-policy", main.props["url"], main)
    assert validate_stack(RULES["sqs-tls-only"], [main, dlq, shared, own]) == []


def test_a_policy_depending_on_a_queue_but_naming_one_outside_the_stack():
    main = _queue("jobs")
    elsewhere = _policy("p", f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/other", main)
    found = validate_stack(RULES["sqs-tls-only"], [main, elsewhere])
    assert [u.rsplit("::", 1)[-1] for u, _ in found] == ["jobs"]  # the policy itself is fine
    # in a preview (URL unknown) the dependency decides, as before
    preview = _policy("p", UNKNOWN_STRING_VALUE, main)
    assert validate_stack(RULES["sqs-tls-only"], [main, preview]) == []


# --- Opensearch.2: a separate DomainPolicy replaces the domain's access policy ----------------------


def _access(principal: Any, **extra: Any) -> str:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "es:*",
                "Resource": f"{DOMAIN_ARN}/*", **extra})


@pytest.mark.parametrize("kind", [DOMAIN_POLICY, LEGACY_DOMAIN_POLICY])
@pytest.mark.parametrize("policy", [
    _access("*"),
    _access({"AWS": "*"}, Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
    _access({"AWS": "*"}, Condition={"StringLike": {"aws:PrincipalAccount": "*"}}),
], ids=["star", "any-ip", "wildcard-account"])
def test_a_public_domain_policy_resource_fails_opensearch_2(kind, policy):
    [problem] = validate_resource(RULES["opensearch-in-vpc"], kind,
                                  {"domainName": "shop", "accessPolicies": policy})
    assert "access policy statement" in problem and "[Opensearch.2]" in problem


@pytest.mark.parametrize("policy", [
    _access({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    _access("*", Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}),
], ids=["account-root", "narrowed"])
def test_a_domain_policy_naming_the_account_passes(policy):
    assert validate_resource(RULES["opensearch-in-vpc"], DOMAIN_POLICY,
                             {"domainName": "shop", "accessPolicies": policy}) == []


def test_the_domain_policy_is_not_asked_for_vpc_options_and_other_rules_ignore_it():
    assert validate_resource(RULES["opensearch-in-vpc"], DOMAIN_POLICY, {"domainName": "shop"}) == []
    for name in ("opensearch-encrypted-at-rest", "opensearch-tls", "opensearch-audit-logs"):
        assert validate_resource(RULES[name], DOMAIN_POLICY, {"domainName": "shop"}) == [], name


# --- Opensearch.4/.5: a log type listed twice, and `enabled` of the wrong type ---------------------


def _domain_logs(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"domainName": "shop", "logPublishingOptions": list(entries)}


def _entry(log_type: str, group: bool = True, **extra: Any) -> dict[str, Any]:
    return {"logType": log_type, **({"cloudwatchLogGroupArn": f"{LOG}{log_type.lower()}"} if group else {}),
            **extra}


@pytest.mark.parametrize(("rule", "log_type"), [("opensearch-audit-logs", "AUDIT_LOGS"),
                                                ("opensearch-error-logs", "ES_APPLICATION_LOGS")])
@pytest.mark.parametrize(("entries", "says"), [
    (lambda t: [_entry(t, group=False, enabled=True), _entry(t, enabled=False)], "2 times"),
    (lambda t: [_entry(t, enabled=True), _entry(t, enabled=False)], "either may win"),
    (lambda t: [_entry(t, enabled=0)], "enabled: false"),
    (lambda t: [_entry(t, enabled="no")], "enabled: false"),
], ids=["enabled-without-group-beside-disabled-with-group", "enabled-beside-disabled", "zero", "no"])
def test_a_log_type_that_may_end_up_off_fails(rule, log_type, entries, says):
    [problem] = validate_resource(RULES[rule], DOMAIN, _domain_logs(*entries(log_type)))
    assert says in problem and f"[{RULES[rule].control}]" in problem


@pytest.mark.parametrize("entries", [
    [_entry("AUDIT_LOGS")],  # enabled omitted: the provider's default is true
    [_entry("AUDIT_LOGS", enabled="true"), _entry("AUDIT_LOGS", enabled=True)],
], ids=["enabled-omitted", "listed-twice-both-on"])
def test_audit_logs_on_in_every_entry_pass(entries):
    assert validate_resource(RULES["opensearch-audit-logs"], DOMAIN, _domain_logs(*entries)) == []


# --- DocumentDB.4/.6: the group that really applies --------------------------------------------------


GOOD_PARAMETERS = [{"name": "tls", "value": "enabled"}, {"name": "audit_logs", "value": "enabled"}]


def _group(name: str = "docs-params", parameters: Any = GOOD_PARAMETERS):
    return synthetic(DOCDB_GROUP, name, {"name": f"{name}-abc", "family": "docdb5.0",
                                         "parameters": parameters})


def _cluster(group_name: Any, *deps):
    return synthetic(DOCDB, "docs-cluster", {
        "clusterIdentifier": "docs", "storageEncrypted": True, "kmsKeyId": KEY,
        "enabledCloudwatchLogsExports": ["audit", "profiler"],
        "dbClusterParameterGroupName": group_name}, deps={"dbClusterParameterGroupName": list(deps)})


@pytest.mark.parametrize("rule", ["docdb-tls", "docdb-audit-logs"])
def test_a_name_computed_from_a_good_group_but_naming_another_fails(rule):
    """`db_cluster_parameter_group_name=good.name.apply(lambda _: "default.docdb5.0")` carries a
    dependency on the good group; the cluster still gets the default one."""
    good = _group()
    found = messages(validate_stack(RULES[rule], [good, _cluster("default.docdb5.0", good)]))
    assert found and "uses parameter group default.docdb5.0" in found[0]
    # two groups, the name picks the bad one: only that one is judged
    bad = _group("bad", [{"name": "tls", "value": "disabled"}, {"name": "audit_logs", "value": "none"}])
    found = messages(validate_stack(RULES[rule], [good, bad, _cluster(bad.props["name"], good, bad)]))
    assert found and all("'bad'" in m for m in found)


@pytest.mark.parametrize("rule", ["docdb-tls", "docdb-audit-logs"])
def test_the_group_named_or_unknown_in_a_preview_passes(rule):
    good = _group()
    assert validate_stack(RULES[rule], [good, _cluster(good.props["name"], good)]) == []
    assert validate_stack(RULES[rule], [good, _cluster(UNKNOWN_STRING_VALUE, good)]) == []


@pytest.mark.parametrize(("rule", "parameters"), [
    ("docdb-tls", [{"name": "tls", "value": "enabled"}, {"name": "TLS", "value": "disabled"}]),
    ("docdb-audit-logs", [{"name": "audit_logs", "value": "enabled"},
                          {"name": "Audit_Logs", "value": "disabled"}]),
], ids=["tls", "audit_logs"])
def test_a_parameter_repeated_in_another_case_is_judged_too(rule, parameters):
    group = _group(parameters=[*GOOD_PARAMETERS, *parameters])
    found = messages(validate_stack(RULES[rule], [group, _cluster(group.props["name"], group)]))
    assert found and "'disabled'" in found[0]
    # the same name in another case with a value that is on passes
    fine = _group(parameters=[*GOOD_PARAMETERS, {"name": "TLS", "value": "tls1.2+"},
                              {"name": "AUDIT_LOGS", "value": "all"}])
    assert validate_stack(RULES[rule], [fine, _cluster(fine.props["name"], fine)]) == []


# --- the brief's other candidates: refused already (kept as a record of the audit) ------------------


@pytest.mark.parametrize(("rule", "kind", "props"), [
    ("sqs-queue-not-public", QUEUE_POLICY, {"policy": doc({
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*",
        "Condition": {"StringLike": {"aws:SourceArn": "*"}}})}),
    ("sqs-queue-not-public", QUEUE_POLICY, {"policy": doc({
        "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*",
        "Condition": {"ArnLikeIfExists": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:t"}}})}),
    ("opensearch-in-vpc", DOMAIN, {"vpcOptions": {"securityGroupIds": ["sg-1"]}}),
    ("opensearch-tls", DOMAIN, {"domainEndpointOptions": {"enforceHttps": True}}),
    ("docdb-backup-retention", DOCDB, {"storageEncrypted": True}),
    ("docdb-encrypted", DOCDB, {"kmsKeyId": KEY}),
    ("msk-unauthenticated-disabled", MSK, {"clientAuthentication": {
        "unauthenticated": False, "sasl": {"iam": False}, "tls": {}}}),
    ("msk-customer-key", MSK, {"encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS"}}}),
], ids=["source-arn-star", "arn-like-if-exists", "vpc-options-without-subnets", "tls-policy-omitted",
        "retention-omitted", "storage-encrypted-omitted", "no-mechanism-tls-without-cas",
        "key-omitted"])
def test_candidates_the_rules_already_refuse(rule, kind, props):
    assert validate_resource(RULES[rule], kind, props), (rule, props)


# --- the real stack with every data service on ------------------------------------------------------


def test_the_data_services_stack_passes_the_fixed_rules(prod_data_services):
    fixed = {"sqs-queue-encrypted", "sqs-tls-only", "opensearch-in-vpc", "opensearch-audit-logs",
             "opensearch-error-logs", "docdb-tls", "docdb-audit-logs"}
    result = check_plan(prod_data_services)
    assert [v.message for v in result.violations if v.level == "mandatory"] == []
    assert [v.message for v in result.violations if v.policy in fixed] == []
    assert not [s for s in result.skipped if s.policy in fixed]
