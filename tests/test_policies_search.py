"""OpenSearch rules of policies/rules/search.py (Opensearch.1-8, .10, .11): each way a domain can
miss a control (wrong value, key left out so AWS's insecure default applies, wrong type, the
evasions: HTTPS on with an old TLS policy, encryption on without a customer key, audit logs
disabled or to no group, two data nodes, zone awareness off, FGAC off or anonymous, no VPC) and a
domain built the way SearchDomain builds it passing every rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from groundwork.check import validate_resource
from groundwork.policies import rules

RULES = rules.by_name()
COVERED_RULES = {
    "opensearch-encrypted-at-rest", "opensearch-in-vpc", "opensearch-node-to-node-encryption",
    "opensearch-error-logs", "opensearch-audit-logs", "opensearch-data-nodes",
    "opensearch-fine-grained-access", "opensearch-tls", "opensearch-software-updates",
    "opensearch-dedicated-masters",
}
DOMAIN = "aws:opensearch/domain:Domain"
LEGACY = "aws:elasticsearch/domain:Domain"
ARN = "arn:aws:es:us-east-1:123456789012:domain/shop"
LOG = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/OpenSearchService/domains/shop/"


def good() -> dict[str, Any]:
    """A domain's inputs as SearchDomain plans them."""
    return {
        "domainName": "shop",
        "engineVersion": "OpenSearch_2.19",
        "clusterConfig": {"instanceType": "r6g.large.search", "instanceCount": 3,
                          "zoneAwarenessEnabled": True,
                          "zoneAwarenessConfig": {"availabilityZoneCount": 3},
                          "dedicatedMasterEnabled": True, "dedicatedMasterCount": 3,
                          "dedicatedMasterType": "m6g.large.search"},
        "vpcOptions": {"subnetIds": ["subnet-a", "subnet-b", "subnet-c"],
                       "securityGroupIds": ["sg-1"]},
        "encryptAtRest": {"enabled": True,
                          "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc"},
        "nodeToNodeEncryption": {"enabled": True},
        "domainEndpointOptions": {"enforceHttps": True,
                                  "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"},
        "advancedSecurityOptions": {"enabled": True, "internalUserDatabaseEnabled": False,
                                    "anonymousAuthEnabled": False,
                                    "masterUserOptions": {
                                        "masterUserArn": "arn:aws:iam::123456789012:role/a"}},
        "accessPolicies": json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "es:ESHttp*", "Resource": f"{ARN}/*"}]}),
        "logPublishingOptions": [
            {"logType": t, "cloudwatchLogGroupArn": f"{LOG}{t.lower()}", "enabled": True}
            for t in ("INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS")],
        "softwareUpdateOptions": {"autoSoftwareUpdateEnabled": True},
    }


def _with(path: str, value: Any) -> dict[str, Any]:
    """good() with `path` (dotted) set to `value`, or removed when value is ..."""
    props = copy.deepcopy(good())
    *parents, last = path.split(".")
    node = props
    for key in parents:
        node = node[key]
    if value is ...:
        node.pop(last, None)
    else:
        node[last] = value
    return props


def _logs(log_type: str, **entry: Any) -> dict[str, Any]:
    props = good()
    props["logPublishingOptions"] = [
        {**o, **entry} if o["logType"] == log_type else o for o in props["logPublishingOptions"]]
    if entry.get("drop"):
        props["logPublishingOptions"] = [o for o in props["logPublishingOptions"]
                                         if o["logType"] != log_type]
    return props


def _public(statement_extra: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "es:*", "Resource": f"{ARN}/*",
        **statement_extra}]})


FAILING = [
    # Opensearch.1
    ("opensearch-encrypted-at-rest", _with("encryptAtRest", ...), "does not encrypt"),
    ("opensearch-encrypted-at-rest", _with("encryptAtRest.enabled", False), "does not encrypt"),
    ("opensearch-encrypted-at-rest", _with("encryptAtRest.enabled", "false"), "does not encrypt"),
    ("opensearch-encrypted-at-rest", _with("encryptAtRest.kmsKeyId", ...), "AWS-managed key"),
    ("opensearch-encrypted-at-rest", _with("encryptAtRest.kmsKeyId", "alias/aws/es"),
     "AWS-managed key"),
    ("opensearch-encrypted-at-rest",
     _with("encryptAtRest.kmsKeyId", "arn:aws:kms:us-east-1:123456789012:alias/aws/es"),
     "AWS-managed key"),
    # Opensearch.2
    ("opensearch-in-vpc", _with("vpcOptions", ...), "not in a VPC"),
    ("opensearch-in-vpc", _with("vpcOptions.subnetIds", []), "not in a VPC"),
    ("opensearch-in-vpc", _with("accessPolicies", _public({})), "allows Principal '*'"),
    ("opensearch-in-vpc", _with("accessPolicies", _public(
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}})), "no condition narrows"),
    # Opensearch.3
    ("opensearch-node-to-node-encryption", _with("nodeToNodeEncryption", ...), "node-to-node"),
    ("opensearch-node-to-node-encryption", _with("nodeToNodeEncryption.enabled", False),
     "node-to-node"),
    # Opensearch.4
    ("opensearch-error-logs", _logs("ES_APPLICATION_LOGS", drop=True), "does not publish"),
    ("opensearch-error-logs", _logs("ES_APPLICATION_LOGS", enabled=False), "enabled: false"),
    ("opensearch-error-logs", _with("logPublishingOptions", ...), "does not publish"),
    # Opensearch.5
    ("opensearch-audit-logs", _logs("AUDIT_LOGS", drop=True), "does not publish AUDIT_LOGS"),
    ("opensearch-audit-logs", _logs("AUDIT_LOGS", enabled="false"), "enabled: false"),
    ("opensearch-audit-logs", _logs("AUDIT_LOGS", cloudwatchLogGroupArn=""), "to no log group"),
    # Opensearch.6
    ("opensearch-data-nodes", _with("clusterConfig.instanceCount", 2), "2 data node(s)"),
    ("opensearch-data-nodes", _with("clusterConfig.instanceCount", ...), "1 data node(s)"),
    ("opensearch-data-nodes", _with("clusterConfig.zoneAwarenessEnabled", False), "zone awareness off"),
    ("opensearch-data-nodes", _with("clusterConfig.zoneAwarenessEnabled", ...), "zone awareness off"),
    ("opensearch-data-nodes", _with("clusterConfig", ...), "1 data node(s)"),
    # Opensearch.7
    ("opensearch-fine-grained-access", _with("advancedSecurityOptions", ...), "off"),
    ("opensearch-fine-grained-access", _with("advancedSecurityOptions.enabled", False), "off"),
    ("opensearch-fine-grained-access", _with("advancedSecurityOptions.anonymousAuthEnabled", True),
     "anonymous access on"),
    # Opensearch.8: HTTPS on but an old policy, the policy left to AWS's TLS 1.0 default, HTTPS off
    ("opensearch-tls", _with("domainEndpointOptions.tlsSecurityPolicy", "Policy-Min-TLS-1-2-2019-07"),
     "'Policy-Min-TLS-1-2-2019-07'"),
    ("opensearch-tls", _with("domainEndpointOptions.tlsSecurityPolicy", "Policy-Min-TLS-1-0-2019-07"),
     "Policy-Min-TLS-1-2-PFS-2023-10 required"),
    ("opensearch-tls", _with("domainEndpointOptions.tlsSecurityPolicy", ...), "unset"),
    ("opensearch-tls", _with("domainEndpointOptions.enforceHttps", False), "does not require HTTPS"),
    ("opensearch-tls", _with("domainEndpointOptions", ...), "does not require HTTPS"),
    # Opensearch.10
    ("opensearch-software-updates", _with("softwareUpdateOptions", ...), "automatically"),
    ("opensearch-software-updates",
     _with("softwareUpdateOptions.autoSoftwareUpdateEnabled", False), "automatically"),
    # Opensearch.11
    ("opensearch-dedicated-masters", _with("clusterConfig.dedicatedMasterEnabled", False),
     "no dedicated master"),
    ("opensearch-dedicated-masters", _with("clusterConfig.dedicatedMasterEnabled", ...),
     "no dedicated master"),
    ("opensearch-dedicated-masters", _with("clusterConfig.dedicatedMasterCount", 2), "2 dedicated"),
    ("opensearch-dedicated-masters", _with("clusterConfig.dedicatedMasterCount", ...), "0 dedicated"),
]


@pytest.mark.parametrize(("rule", "props", "fragment"), FAILING,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FAILING)])
def test_failing(rule, props, fragment):
    problems = validate_resource(RULES[rule], DOMAIN, props, name="search-domain")
    assert problems and fragment in problems[0], problems
    assert f"[{RULES[rule].control}]" in problems[0] and "Fix:" in problems[0]


@pytest.mark.parametrize("rule", sorted(COVERED_RULES))
def test_passing(rule):
    assert validate_resource(RULES[rule], DOMAIN, good(), name="search-domain") == []


@pytest.mark.parametrize("rule", sorted(COVERED_RULES))
def test_the_legacy_elasticsearch_type_is_judged_too(rule):
    assert rule in RULES and LEGACY in RULES[rule].types
    assert validate_resource(RULES[rule], LEGACY, {}, name="legacy")  # every default fails


def test_narrowed_access_policies_pass():
    narrowed = _public({"Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}})
    assert validate_resource(RULES["opensearch-in-vpc"], DOMAIN,
                             _with("accessPolicies", narrowed)) == []
    roles = json.dumps({"Statement": [{"Effect": "Allow", "Action": "es:ESHttp*",
                                       "Principal": {"AWS": ["arn:aws:iam::123456789012:role/a"]},
                                       "Resource": f"{ARN}/*"}]})
    assert validate_resource(RULES["opensearch-in-vpc"], DOMAIN, _with("accessPolicies", roles)) == []
    # five masters, the FIPS-less latest policy, one more node than needed: all fine
    assert validate_resource(RULES["opensearch-dedicated-masters"], DOMAIN,
                             _with("clusterConfig.dedicatedMasterCount", 5)) == []
    assert validate_resource(RULES["opensearch-data-nodes"], DOMAIN,
                             _with("clusterConfig.instanceCount", 6)) == []


def test_every_rule_has_failing_cases_and_is_mandatory_in_prod():
    from groundwork.check import POLICIES_DIR

    assert {c[0] for c in FAILING} == COVERED_RULES
    assert {r.name for r in rules.ALL if r.family == "search"} == COVERED_RULES
    prod = json.loads((POLICIES_DIR / "config" / "prod.json").read_text())
    dev = json.loads((POLICIES_DIR / "config" / "dev.json").read_text())
    assert {prod[r] for r in COVERED_RULES} == {"mandatory"}
    # dev's domain is one node without masters: only the sizing rules are advisory there
    assert {r for r in COVERED_RULES if dev[r] != "mandatory"} == {
        "opensearch-data-nodes", "opensearch-dedicated-masters"}
