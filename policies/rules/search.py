"""OpenSearch Service domain rules (FSBP Opensearch.1-8, .10, .11).

Each rule reads the domain's own inputs (`aws:opensearch/domain:Domain`, and the legacy
`aws:elasticsearch/domain:Domain`, whose inputs have the same names). A setting left out is
judged by AWS's default, which is the insecure one for every control here: no encryption, no
VPC (a public endpoint), no logs, TLS 1.0 allowed, fine-grained access control off, no dedicated
masters, no automatic software updates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ._base import as_json, as_list, get, is_true, known, number, present, resource_rule
from ._documents import public_statements, why_public

DOMAINS = ("aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain")
DOMAIN_POLICIES = ("aws:opensearch/domainPolicy:DomainPolicy",
                   "aws:elasticsearch/domainPolicy:DomainPolicy")
"""The separate access-policy resources: they replace the domain's `accessPolicies` (whichever
applies last wins), so each is judged like the domain's own input."""
LATEST_TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
"""The latest TLS security policy (TLS 1.2+, forward secrecy only): what Opensearch.8 asks."""
AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)


def _entry_enabled(entry) -> bool:
    """An option's `enabled`: omitted means true (the provider's default); anything but true
    (false, "false", 0, "no") is off."""
    value = get(entry, "enabled")
    return value is None or is_true(value)


def _log_enabled(props, log_type: str) -> str | None:
    """Why `log_type` is not published (None: it is, enabled, to a log group). AWS keeps one
    option per log type (LogPublishingOptions is a map by type), so when the program lists a type
    twice either entry may be the one that stays: every entry must be enabled with a group."""
    entries = [e for e in as_list(get(props, "logPublishingOptions"))
               if str(get(e, "logType", default="")).upper() == log_type]
    if not entries:
        return f"does not publish {log_type}"
    if not any(_entry_enabled(e) for e in entries):
        return f"publishes {log_type} with enabled: false"
    if not any(present(e, "cloudwatchLogGroupArn") for e in entries):
        return f"publishes {log_type} to no log group (cloudwatchLogGroupArn unset)"
    if not all(_entry_enabled(e) and present(e, "cloudwatchLogGroupArn") for e in entries):
        return (f"lists {log_type} {len(entries)} times and not every entry is enabled with a log "
                "group (AWS keeps one per log type: either may win)")
    return None


@resource_rule(
    "opensearch-encrypted-at-rest",
    control="Opensearch.1",
    description="OpenSearch domains encrypt data at rest with a customer-managed KMS key.",
    fix="set encrypt_at_rest={'enabled': True, 'kms_key_id': <the data key's ARN>} "
        "(SearchDomain does; a new domain is needed to change it)",
    types=DOMAINS,
)
def opensearch_encrypted_at_rest(props, args, config) -> Iterator[str]:
    enc = get(props, "encryptAtRest")
    if not is_true(get(enc, "enabled")):
        yield "does not encrypt data at rest"
    elif not present(enc, "kmsKeyId"):
        yield "is encrypted with the AWS-managed key (kmsKeyId unset), not a customer key"
    else:
        key = known(enc, "kmsKeyId")
        if isinstance(key, str) and AWS_MANAGED_KEY.search(key.strip()):
            yield f"is encrypted with the AWS-managed key {key!r}, not a customer key"


@resource_rule(
    "opensearch-in-vpc",
    control="Opensearch.2",
    description="OpenSearch domains are in a VPC (no public endpoint) and their access policy "
                "(the domain's own or a separate DomainPolicy) admits no one outside the account.",
    fix="set vpc_options={'subnet_ids': <private subnets>, 'security_group_ids': [...]} and an "
        "access policy naming the account's principals (SearchDomain does)",
    types=DOMAINS + DOMAIN_POLICIES,
)
def opensearch_in_vpc(props, args, config) -> Iterator[str]:
    if args.resource_type not in DOMAIN_POLICIES and not present(get(props, "vpcOptions"), "subnetIds"):
        yield "is not in a VPC (no vpcOptions.subnetIds): its endpoint is public"
    if present(props, "accessPolicies"):
        doc = as_json(known(props, "accessPolicies"))
        for st in public_statements(doc) if doc else []:
            yield f"access policy statement {st.label} {why_public(st)}"


@resource_rule(
    "opensearch-node-to-node-encryption",
    control="Opensearch.3",
    description="OpenSearch domains encrypt traffic between nodes.",
    fix="set node_to_node_encryption={'enabled': True}",
    types=DOMAINS,
)
def opensearch_node_to_node_encryption(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "nodeToNodeEncryption", "enabled")):
        yield "does not encrypt node-to-node traffic"


@resource_rule(
    "opensearch-error-logs",
    control="Opensearch.4",
    description="OpenSearch domains publish their error logs (ES_APPLICATION_LOGS) to CloudWatch Logs.",
    fix="add log_publishing_options {'log_type': 'ES_APPLICATION_LOGS', "
        "'cloudwatch_log_group_arn': <a log group with its resource policy>, 'enabled': True}",
    types=DOMAINS,
)
def opensearch_error_logs(props, args, config) -> Iterator[str]:
    problem = _log_enabled(props, "ES_APPLICATION_LOGS")
    if problem:
        yield problem


@resource_rule(
    "opensearch-audit-logs",
    control="Opensearch.5",
    description="OpenSearch domains publish audit logs (AUDIT_LOGS) to CloudWatch Logs.",
    fix="add log_publishing_options {'log_type': 'AUDIT_LOGS', 'cloudwatch_log_group_arn': ..., "
        "'enabled': True} (audit logs need fine-grained access control)",
    types=DOMAINS,
)
def opensearch_audit_logs(props, args, config) -> Iterator[str]:
    problem = _log_enabled(props, "AUDIT_LOGS")
    if problem:
        yield problem


@resource_rule(
    "opensearch-data-nodes",
    control="Opensearch.6",
    description="OpenSearch domains have at least three data nodes and zone awareness (prod).",
    fix="set cluster_config instance_count >= 3 (a multiple of the AZ count) and "
        "zone_awareness_enabled=True (search.instance_count, search.availability_zones)",
    types=DOMAINS,
)
def opensearch_data_nodes(props, args, config) -> Iterator[str]:
    cluster = get(props, "clusterConfig")
    nodes = number(get(cluster, "instanceCount"), 1) or 1
    if nodes < 3:
        yield f"has {int(nodes)} data node(s); at least 3 required"
    if not is_true(get(cluster, "zoneAwarenessEnabled")):
        yield "has zone awareness off (all data nodes in one AZ)"


@resource_rule(
    "opensearch-fine-grained-access",
    control="Opensearch.7",
    description="OpenSearch domains have fine-grained access control on, without anonymous access.",
    fix="set advanced_security_options={'enabled': True, 'internal_user_database_enabled': False, "
        "'master_user_options': {'master_user_arn': <an IAM role>}}",
    types=DOMAINS,
)
def opensearch_fine_grained_access(props, args, config) -> Iterator[str]:
    security = get(props, "advancedSecurityOptions")
    if not is_true(get(security, "enabled")):
        yield "has fine-grained access control off"
    elif is_true(get(security, "anonymousAuthEnabled")):
        yield "has fine-grained access control with anonymous access on"


@resource_rule(
    "opensearch-tls",
    control="Opensearch.8",
    description="OpenSearch domains require HTTPS with the latest TLS security policy.",
    fix=f"set domain_endpoint_options={{'enforce_https': True, 'tls_security_policy': "
        f"'{LATEST_TLS_POLICY}'}}",
    types=DOMAINS,
)
def opensearch_tls(props, args, config) -> Iterator[str]:
    endpoint = get(props, "domainEndpointOptions")
    if not is_true(get(endpoint, "enforceHttps")):
        yield "does not require HTTPS (enforceHttps unset or false)"
    policy = get(endpoint, "tlsSecurityPolicy")
    if policy != LATEST_TLS_POLICY:
        shown = repr(policy) if policy else "unset (AWS's default allows TLS 1.0)"
        yield f"has TLS security policy {shown}; {LATEST_TLS_POLICY} required"


@resource_rule(
    "opensearch-software-updates",
    control="Opensearch.10",
    description="OpenSearch domains install service-software updates automatically.",
    fix="set software_update_options={'auto_software_update_enabled': True} (with an "
        "off_peak_window_options window)",
    types=DOMAINS,
)
def opensearch_software_updates(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "softwareUpdateOptions", "autoSoftwareUpdateEnabled")):
        yield "does not install service-software updates automatically"


@resource_rule(
    "opensearch-dedicated-masters",
    control="Opensearch.11",
    description="OpenSearch domains have at least three dedicated primary (master) nodes (prod).",
    fix="set cluster_config dedicated_master_enabled=True and dedicated_master_count=3 "
        "(search.dedicated_master)",
    types=DOMAINS,
)
def opensearch_dedicated_masters(props, args, config) -> Iterator[str]:
    cluster = get(props, "clusterConfig")
    if not is_true(get(cluster, "dedicatedMasterEnabled")):
        yield "has no dedicated master nodes"
    elif (number(get(cluster, "dedicatedMasterCount"), 0) or 0) < 3:
        yield (f"has {int(number(get(cluster, 'dedicatedMasterCount'), 0) or 0)} dedicated "
               "master node(s); at least 3 required")
