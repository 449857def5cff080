"""SQS rules: queues encrypted with a customer-managed key (SQS.1), no queue policy that lets
anyone in (SQS.3), and groundwork's own guardrail that every queue refuses requests without TLS
(like S3.5 for buckets).

SQS.1 in Security Hub passes a queue encrypted with SSE-SQS (SQS-owned keys) or SSE-KMS. This
rule is stricter by default, as groundwork is for every data store: a customer-managed key
(kms_master_key_id), because only such a key's policy can be read, scoped and audited, and an
AWS-managed key (`alias/aws/sqs`) can't be granted to the services that may need to produce to
the queue. `allowSqsManagedSse: true` accepts SSE-SQS (and `alias/aws/sqs`) as FSBP does. A queue
that states neither is encrypted by AWS's default SSE-SQS today, but the program says nothing:
it fails either way. See docs/queues.md and docs/policies.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource

from ._base import Stack, get, has_key, is_true, known, known_items, present, resource_rule, stack_rule
from ._documents import (
    Statement,
    denies_every,
    document,
    everyone,
    matches,
    public_statements,
    resource_covers,
    statements,
    why_public,
)
from .security import _secure_transport_only

SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
AWS_MANAGED_KEY = "alias/aws/sqs"
_AWS_MANAGED = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)
"""Any AWS-managed key (`alias/aws/sqs`, but also another service's `alias/aws/s3`), by alias or
alias ARN, in any case: none is a customer-managed key."""


def _aws_managed(key: str) -> bool:
    return bool(_AWS_MANAGED.search(key.strip()))


def _sqs_managed(key: str) -> bool:
    """SQS's own AWS-managed key, the one `allowSqsManagedSse` accepts."""
    return key.strip().lower().rsplit(":", 1)[-1] == AWS_MANAGED_KEY


@resource_rule(
    "sqs-queue-encrypted",
    control="SQS.1",
    description="SQS queues are encrypted at rest with a customer-managed KMS key "
                "(kms_master_key_id), not SSE-SQS or alias/aws/sqs unless allowSqsManagedSse.",
    fix="set kms_master_key_id=<a customer-managed key, e.g. EnvironmentKeys.data> and leave "
        "sqs_managed_sse_enabled unset (the Queue component does both)",
    types=[SQS_QUEUE],
    defaults={"allowSqsManagedSse": False},
    properties={"allowSqsManagedSse": {"type": "boolean"}},
)
def sqs_queue_encrypted(props, args, config) -> Iterator[str]:
    allow_managed = bool(config.get("allowSqsManagedSse"))
    managed_sse = is_true(known(props, "sqsManagedSseEnabled"))
    if present(props, "kmsMasterKeyId"):
        key = known(props, "kmsMasterKeyId")
        if managed_sse:
            yield ("sets both kmsMasterKeyId and sqsManagedSseEnabled (AWS refuses the "
                   "combination; keep the customer key)")
        if key is not None and not isinstance(key, str):
            yield f"has a kmsMasterKeyId that is not a key id or ARN ({type(key).__name__})"
        elif isinstance(key, str) and _aws_managed(key) and not (allow_managed and _sqs_managed(key)):
            yield f"uses the AWS-managed key {key!r}; use a customer-managed key"
        return
    if managed_sse:
        if not allow_managed:
            yield ("is encrypted with SQS-owned keys only (sqsManagedSseEnabled); groundwork "
                   "requires a customer-managed key (kmsMasterKeyId)")
        return
    yield "has no kmsMasterKeyId: it is not encrypted with a customer-managed key"


@resource_rule(
    "sqs-queue-not-public",
    control="SQS.3",
    description="Queue access policies (`sqs.Queue.policy`, `sqs.QueuePolicy`) let no one outside "
                "named principals in: a Principal '*' (in any spelling) or an Allow with "
                "NotPrincipal needs a condition that pins the caller's account, organisation, "
                "source ARN or VPC.",
    fix="name the principals (the account root, a role, sns.amazonaws.com...), or add a "
        "StringEquals / ArnEquals condition on aws:SourceArn / aws:SourceAccount / "
        "aws:PrincipalOrgID with concrete values (no wildcard, no ...IfExists)",
    types=[SQS_QUEUE, SQS_QUEUE_POLICY],
)
def sqs_queue_not_public(props, args, config) -> Iterator[str]:
    if not present(props, "policy"):
        return  # no policy: only the owner account's identities, through IAM
    doc = document(get(props, "policy"))
    if doc is None:
        yield "has a queue policy that is not a JSON document"
        return
    for st in public_statements(doc):
        yield f"queue policy statement {st.label} {why_public(st)}"


# --------------------------------------------------------------------------------------------
# TLS only (groundwork's guardrail; FSBP has none for SQS)
# --------------------------------------------------------------------------------------------


def _queue_arn(queue: PolicyResource) -> str | None:
    arn = known(queue.props, "arn")
    return arn if isinstance(arn, str) and arn else None


def _queue_name(queue: PolicyResource) -> str | None:
    name = known(queue.props, "name")
    return name if isinstance(name, str) and name else None


def _names_queue(pattern: str, arn: str | None, name: str | None) -> bool:
    """The Resource pattern covers the queue: its ARN when known, else (a preview of a new
    queue) any ARN whose last field is the queue's name."""
    if arn is not None:
        return resource_covers(pattern, arn)
    if name is not None:
        return pattern == "*" or matches(pattern.rsplit(":", 1)[-1], name)
    return False


def tls_only_problem(st: Statement, arn: str | None, name: str | None) -> str | None:
    """Why `st` is not a TLS-only statement for the queue, or None when it is: a Deny of every
    SQS action (`sqs:*` or `*`) to every principal on the queue when aws:SecureTransport is
    false, and on no other condition."""
    if st.effect != "Deny":
        return "is not a Deny"
    if st.has_not_principal or not st.has_principal or not everyone(st):
        return "does not apply to every principal (Principal '*')"
    if not denies_every(st, "sqs"):
        return "does not deny every SQS action (sqs:*)"
    if st.not_resources or not st.resources:
        return "does not name the queue in Resource"
    if not any(_names_queue(r, arn, name) for r in st.resources):
        return "does not cover the queue's ARN"
    if not _secure_transport_only(st):
        return "is not conditioned on aws:SecureTransport 'false' alone"
    return None


def _tls_document_problem(policy: Any, arn: str | None, name: str | None) -> str | None:
    if document(policy) is None:
        return "has a queue policy that is not a JSON document"
    candidates = [st for st in statements(policy)
                  if st.effect == "Deny" or st.condition_values("aws:SecureTransport")]
    if any(tls_only_problem(st, arn, name) is None for st in candidates):
        return None
    if not candidates:
        return "has no queue policy statement denying aws:SecureTransport=false"
    why = "; ".join(f"statement {st.label} {tls_only_problem(st, arn, name)}" for st in candidates)
    return f"has no queue policy statement that denies all of SQS without TLS ({why})"


def _own_urls(queue: PolicyResource) -> set[str]:
    """The queue's known URL (its `url` output, which is also its `id`)."""
    return {v for k, v in known_items(queue.props) if k in ("url", "id") and isinstance(v, str) and v}


def policy_targets(stack: Stack, policy: PolicyResource) -> list[PolicyResource]:
    """The stack's queues a QueuePolicy sets the policy of. A known queueUrl decides by value:
    a property dependency only says the URL was computed from a queue's outputs
    (`Output.all(main.url, dlq.url).apply(lambda u: u[1])` depends on both queues but sets the
    DLQ's policy alone). Without a known URL (a preview), the dependencies decide."""
    url = known(policy.props, "queueUrl")
    if not isinstance(url, str) or not url:
        return stack.referenced(policy, "queueUrl", [SQS_QUEUE])
    by_value = [q for q in stack.of_type(SQS_QUEUE) if url in _own_urls(q)]
    if by_value:
        return by_value
    # a dependency whose URL is not known yet may still be the target; one whose URL is known
    # and different is not
    return [q for q in stack.referenced(policy, "queueUrl", [SQS_QUEUE]) if not _own_urls(q)]


def queue_policies(stack: Stack, queue: PolicyResource) -> list[tuple[str, Any]]:
    """(holder name, document) of every policy that may end up on the queue: each QueuePolicy
    whose queueUrl is this queue, and its own `policy` input. A queue has one policy in AWS,
    whichever applied last, so each is judged on its own."""
    found = [(p.name, get(p.props, "policy")) for p in stack.of_type(SQS_QUEUE_POLICY)
             if any(q.urn == queue.urn for q in policy_targets(stack, p))]
    if has_key(queue.props, "policy") and present(queue.props, "policy"):
        found.append((f"{queue.name} (inline)", get(queue.props, "policy")))
    return found


def _url_parts(url: Any) -> tuple[str | None, str | None]:
    """(ARN, name) of a queue from its URL `https://sqs.<region>.amazonaws.com/<account>/<name>`."""
    if not isinstance(url, str) or "/" not in url:
        return None, None
    parts = url.rstrip("/").split("/")
    if len(parts) < 5:
        return None, None
    host, account, name = parts[2], parts[-2], parts[-1]
    region = host.split(".")[1] if host.startswith("sqs.") and host.count(".") >= 2 else "*"
    return f"arn:aws:sqs:{region}:{account}:{name}", name


@stack_rule(
    "sqs-tls-only",
    control="SQS TLS only",
    description="Every queue's policy denies every SQS action to everyone when "
                "aws:SecureTransport is false.",
    fix="add an sqs.QueuePolicy(queue_url=<queue>.url, policy={Version: '2012-10-17', Statement: "
        "[{Effect: Deny, Principal: '*', Action: 'sqs:*', Resource: <queue ARN>, Condition: "
        "{Bool: {aws:SecureTransport: 'false'}}}]}) (the Queue component adds it to both queues)",
    types=[SQS_QUEUE, SQS_QUEUE_POLICY],
)
def sqs_tls_only(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """Each queue (a dead-letter queue too) needs a TLS-only statement in every policy that may
    end up on it; a QueuePolicy for a queue the stack doesn't declare is judged against the
    queue its URL names."""
    queues = stack.of_type(SQS_QUEUE)
    for queue in queues:
        holders = queue_policies(stack, queue)
        if not holders:
            yield queue, "has no queue policy denying aws:SecureTransport=false"
            continue
        arn, name = _queue_arn(queue), _queue_name(queue)
        for holder_name, policy in holders:
            problem = _tls_document_problem(policy, arn, name)
            if problem:
                yield queue, problem if len(holders) == 1 else f"policy '{holder_name}' {problem}"
    for holder in stack.of_type(SQS_QUEUE_POLICY):
        if policy_targets(stack, holder):
            continue
        url = known(holder.props, "queueUrl")
        arn, name = _url_parts(url)
        if name is None:
            continue  # unknown during preview: judged when it is known
        problem = _tls_document_problem(get(holder.props, "policy"), arn, name)
        if problem:
            yield holder, f"sets the policy of queue {name!r} (not in this stack) and {problem}"
