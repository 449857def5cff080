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
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from ._base import (
    Stack,
    get,
    has_key,
    is_list,
    is_map,
    is_true,
    known,
    known_items,
    present,
    resource_rule,
    stack_rule,
)
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


@dataclass(frozen=True)
class QueueIdentity:
    """What the rule knows of the queue a policy must cover. In a preview of a new queue the
    `arn` and `name` outputs are unknown; `name_prefix` (an input) is still known when given,
    and `own_arn_unknown` says the policy was computed from this queue's outputs alone, so an
    unknown Resource in it is the queue's own (unknown) ARN."""

    arn: str | None = None
    name: str | None = None
    name_prefix: str | None = None
    own_arn_unknown: bool = False


UNKNOWN_RESOURCE = f"<unknown:{UNKNOWN_STRING_VALUE}>"
"""A Resource value unknown during preview (an Output inside a structured policy document)."""


def _names_queue(pattern: str, queue: QueueIdentity) -> bool:
    """The Resource pattern covers the queue: its ARN when known; else (a preview of a new
    queue) any ARN whose last field is the queue's name; else (a `name_prefix` queue, or no
    name at all: AWS picks it) a pattern whose last field matches every name the queue can get
    (`*`, `jobs-*` for the prefix `jobs-`). An unknown Resource covers the queue when it is the
    queue's own ARN output; when it may be something else, the rule can't decide in preview."""
    if pattern == UNKNOWN_RESOURCE:
        if queue.own_arn_unknown:
            return True
        raise UnknownValueError(UNKNOWN_STRING_VALUE, ["policy", "Statement", "Resource"])
    if queue.arn is not None:
        return resource_covers(pattern, queue.arn)
    fields = pattern.split(":")
    if len(fields) >= 3 and not matches(fields[2], "sqs"):
        return False  # another service's ARN (arn:aws:sns:...:jobs is not the queue)
    last = fields[-1]
    if queue.name is not None:
        return pattern == "*" or matches(last, queue.name)
    if pattern == "*":
        return True
    # every name <prefix><anything>: a last field ending in `*` that matches the prefix itself
    # (`jobs-*`, `jo*-*` or `*` for `jobs-`; the final `*` takes whatever AWS appends)
    return last.endswith("*") and matches(last, queue.name_prefix or "")


def _covers_queue(resources: list[str], queue: QueueIdentity) -> bool:
    """One of the Resource values covers the queue; a value undecidable in preview decides
    only when no other value covers it (then the rule can't run in preview)."""
    undecided: UnknownValueError | None = None
    for pattern in resources:
        try:
            if _names_queue(pattern, queue):
                return True
        except UnknownValueError as exc:
            undecided = exc
    if undecided is not None:
        raise undecided
    return False


def tls_only_problem(st: Statement, queue: QueueIdentity) -> str | None:
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
    if not _covers_queue(st.resources, queue):
        return "does not cover the queue's ARN"
    if not _secure_transport_only(st):
        return "is not conditioned on aws:SecureTransport 'false' alone"
    return None


def _with_unknown_resources(policy: Any) -> Any:
    """A structured policy as plain data with every `Resource` value unknown during preview
    replaced by UNKNOWN_RESOURCE; any other unknown value raises (the rule then runs at `pulumi
    up`). A JSON string is returned as it is (Pulumi makes a string with an unknown part wholly
    unknown, and `get` has raised already)."""
    if not is_map(policy):
        return policy

    def resource(value: Any, key: Any) -> Any:
        try:
            item = value[key]
        except UnknownValueError:
            return UNKNOWN_RESOURCE
        if is_list(item):
            out = []
            for i in range(len(item)):
                try:
                    out.append(item[i])
                except UnknownValueError:
                    out.append(UNKNOWN_RESOURCE)
            return out
        return item

    def plain(value: Any) -> Any:
        if is_map(value):
            return {str(k): resource(value, k) if k == "Resource" else plain(value[k])
                    for k in value}
        if is_list(value):
            return [plain(value[i]) for i in range(len(value))]
        return value

    return plain(policy)


def _tls_document_problem(policy: Any, queue: QueueIdentity) -> str | None:
    """Why the document has no TLS-only statement for the queue, or None. A statement whose
    Resource can't be judged in preview passes nothing and fails nothing: with no other
    statement passing, the rule can't run in preview (UnknownValueError)."""
    policy = _with_unknown_resources(policy)
    if document(policy) is None:
        return "has a queue policy that is not a JSON document"
    candidates = [st for st in statements(policy)
                  if st.effect == "Deny" or st.condition_values("aws:SecureTransport")]
    if not candidates:
        return "has no queue policy statement denying aws:SecureTransport=false"
    problems: list[str] = []
    undecided: UnknownValueError | None = None
    for st in candidates:
        try:
            problem = tls_only_problem(st, queue)
        except UnknownValueError as exc:
            undecided = exc
            continue
        if problem is None:
            return None
        problems.append(f"statement {st.label} {problem}")
    if undecided is not None:
        raise undecided
    return f"has no queue policy statement that denies all of SQS without TLS ({'; '.join(problems)})"


def _identity(queue: PolicyResource, holder: PolicyResource | None) -> QueueIdentity:
    """The queue as the rule knows it; `holder`: the QueuePolicy whose document is judged
    (None for the queue's inline policy, which can't refer to the queue's own outputs)."""
    prefix = known(queue.props, "namePrefix")
    own = False
    arn = _queue_arn(queue)
    if holder is not None and arn is None:
        sources = (holder.property_dependencies or {}).get("policy", [])
        queues = {d.urn for d in sources if d.resource_type == SQS_QUEUE}
        own = queues == {queue.urn}
    return QueueIdentity(arn=arn, name=_queue_name(queue),
                         name_prefix=prefix if isinstance(prefix, str) and prefix else None,
                         own_arn_unknown=own)


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
    return [(name, policy) for name, _, policy in _queue_policy_holders(stack, queue)]


def _queue_policy_holders(stack: Stack, queue: PolicyResource
                          ) -> list[tuple[str, PolicyResource | None, Any]]:
    """(holder name, the QueuePolicy or None for the inline policy, document)."""
    found: list[tuple[str, PolicyResource | None, Any]] = [
        (p.name, p, get(p.props, "policy")) for p in stack.of_type(SQS_QUEUE_POLICY)
        if any(q.urn == queue.urn for q in policy_targets(stack, p))]
    if has_key(queue.props, "policy") and present(queue.props, "policy"):
        found.append((f"{queue.name} (inline)", None, get(queue.props, "policy")))
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
        holders = _queue_policy_holders(stack, queue)
        if not holders:
            yield queue, "has no queue policy denying aws:SecureTransport=false"
            continue
        for holder_name, holder, policy in holders:
            problem = _tls_document_problem(policy, _identity(queue, holder))
            if problem:
                yield queue, problem if len(holders) == 1 else f"policy '{holder_name}' {problem}"
    for holder in stack.of_type(SQS_QUEUE_POLICY):
        if policy_targets(stack, holder):
            continue
        url = known(holder.props, "queueUrl")
        arn, name = _url_parts(url)
        if name is None:
            continue  # unknown during preview: judged when it is known
        problem = _tls_document_problem(get(holder.props, "policy"), QueueIdentity(arn=arn, name=name))
        if problem:
            yield holder, f"sets the policy of queue {name!r} (not in this stack) and {problem}"
