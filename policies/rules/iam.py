"""Identity policies: no full administrator grant (IAM.1), no service-wide `svc:*` Allow
(IAM.21), no `kms:Decrypt`/`kms:ReEncryptFrom` on every KMS key (KMS.1 managed, KMS.2 inline).

Every document is read through `_documents.statements()`, so the spellings AWS accepts are all
judged the same way: `Action` as a string or a list, a single statement object instead of a
list, `Statement` as an object, actions in any case (`RDS:*`), wildcards anywhere in an action
(`*:*`, `kms:De*`), and the inverted forms (`NotAction`, `NotResource`). Conditions are not
read: AWS's controls ignore them too (a condition narrows a grant, it doesn't make the grant
itself least-privilege). See docs/policies.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._base import as_list, get, is_list, known, resource_rule
from ._documents import Statement, action_covers, document, matches, statements

# --------------------------------------------------------------------------------------------
# resource types and where their policy documents are
# --------------------------------------------------------------------------------------------

MANAGED_POLICY = "aws:iam/policy:Policy"
INLINE_POLICIES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy",
                   "aws:iam/groupPolicy:GroupPolicy")
ROLE = "aws:iam/role:Role"
"""Also carries inline policies (`inlinePolicies[].policy`) and `managedPolicyArns`."""
ATTACHMENTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
               "aws:iam/userPolicyAttachment:UserPolicyAttachment",
               "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
               "aws:iam/policyAttachment:PolicyAttachment")
"""`policyArn`: one managed policy attached."""
EXCLUSIVE_ATTACHMENTS = ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
                         "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
                         "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive")
"""`policyArns`: the whole set of managed policies attached."""

ADMIN_MANAGED_POLICIES = frozenset({"administratoraccess", "poweruseraccess"})
"""AWS-managed policies that grant every action on every resource (AdministratorAccess) or every
action but a few services' (PowerUserAccess: Allow NotAction iam/organizations/account on `*`,
the NotAction form this pack counts as IAM.1)."""
FULL_ACCESS_SUFFIX = "fullaccess"
"""AWS-managed `<Service>FullAccess` policies (AmazonRDSFullAccess, IAMFullAccess...): the
service-wide `svc:*` grant under another name."""

DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom")
"""What KMS.1/KMS.2 block (AWS's `blockedActionsPatterns`, not customisable)."""

_PROBE_ACTION = "zzprobe:ZzProbeAction"
"""An action of a service that doesn't exist: a pattern that grants it grants every action."""
_PROBE_ARN = "arn:aws:zzprobe:zz-probe-1:000000000000:zzprobe/probe"
"""An ARN nobody would name: a resource pattern that matches it matches every resource."""
_PROBE_REGION = "zz-probe-1"
_PROBE_ACCOUNT = "000000000000"


# --------------------------------------------------------------------------------------------
# reading documents
# --------------------------------------------------------------------------------------------


def _documents(props: Any, resource_type: str) -> Iterator[tuple[str, Any]]:
    """(where, raw document) of every identity policy a resource carries."""
    if resource_type == ROLE:
        inline_policies = get(props, "inlinePolicies", default=[])
        for i, inline in enumerate(inline_policies if is_list(inline_policies) else []):
            if get(inline, "policy") is not None:
                name = known(inline, "name") or f"#{i}"
                yield f"inline policy {name}", get(inline, "policy")
    elif get(props, "policy") is not None:
        yield "policy", get(props, "policy")


def _parsed(props: Any, resource_type: str) -> Iterator[tuple[str, list[Statement] | None]]:
    """(where, statements) of each document; None when a document is not a JSON policy."""
    for where, raw in _documents(props, resource_type):
        yield where, statements(raw) if document(raw) is not None else None


def _allows(st: Statement) -> bool:
    # AWS only knows "Allow"; compared without case so a spelling AWS might accept is judged too
    return st.effect.strip().lower() == "allow"


def _grants_action(st: Statement, action: str) -> bool:
    """The statement's action set includes `action` (Action patterns, or not excluded by
    NotAction)."""
    if st.not_actions:
        return not any(action_covers(p, action) for p in st.not_actions)
    return any(action_covers(p, action) for p in st.actions)


def every_action(pattern: str) -> bool:
    """`*`, `*:*`, `**`...: the pattern grants the actions of every service."""
    return action_covers(pattern, _PROBE_ACTION)


def service_wide(pattern: str) -> str | None:
    """The service a pattern grants every action of (`rds:*`, `RDS:*`, `s3:**`, `*` -> `*`), or
    None when it names actions (`s3:Get*`, `ec2:*Instance*`: a family of actions, not the
    service)."""
    if every_action(pattern):
        return "*"
    service, sep, verb = pattern.partition(":")
    if not sep or not verb or "*" not in verb or set(verb) - {"*", "?"}:
        return None
    return service.lower()


def _every_resource(st: Statement) -> bool:
    """Resource covers every ARN (`*`, `arn:*`, `arn:*:*:*:*:*`), or NotResource (everything but
    the resources it lists)."""
    if st.not_resources:
        return True
    return any(matches(p, _PROBE_ARN) for p in st.resources)


def every_key(pattern: str) -> bool:
    """A resource pattern that covers the KMS keys of any region or any account: `*`,
    `arn:aws:kms:*:*:key/*`, `arn:aws:kms:*:111122223333:*`, `arn:*:kms:*`... Pinning both the
    region and the account (`arn:aws:kms:us-east-1:111122223333:key/*`) is what AWS's remediation
    asks for and passes."""
    parts = pattern.split(":", 5)
    partition = parts[1] if len(parts) > 1 and "*" not in parts[1] and "?" not in parts[1] else "aws"

    def literal(i: int, fallback: str) -> str:
        value = parts[i] if len(parts) > i else ""
        return value if value and not set(value) & {"*", "?"} else fallback

    region, account = literal(3, "us-east-1"), literal(4, "111122223333")
    probes = (f"arn:{partition}:kms:{_PROBE_REGION}:{account}:key/00000000-probe",
              f"arn:{partition}:kms:{region}:{_PROBE_ACCOUNT}:key/00000000-probe")
    if any(matches(pattern, probe) for probe in probes):
        return True
    # a partial wildcard (`us-east-?`, `12345678901?`, `1*` crossing into the key id): two
    # different fillings of the same field that both match cover more than one region/account
    if len(parts) < 5:
        return False
    regions = {_fill(parts[3], c, 0, least=1) for c in "ab"} if _wild(parts[3]) else {parts[3]}
    tail = ":".join(parts[4:])
    head = tail.split(":", 1)[0]
    accounts = {_fill(head, c, 12) for c in "09"} if _wild(head) else {head}
    candidates = {f"arn:{partition}:kms:{r}:{a}:key/00000000-probe" for r in regions for a in accounts}
    return len([c for c in candidates if matches(pattern, c)]) > 1


def _wild(value: str) -> bool:
    return "*" in value or "?" in value


def _fill(field: str, char: str, width: int, least: int = 0) -> str:
    """`field` with each `?` as `char` and its `*`s filling it up to `width` characters (at least
    `least` each): one concrete value the wildcard field matches (an account has 12 digits)."""
    stars = field.count("*")
    fixed = len(field) - stars
    each = max(least, (width - fixed) // stars) if stars else 0
    return field.replace("?", char).replace("*", char * each)


def _decrypts_every_key(st: Statement) -> str | None:
    """The blocked action the statement allows on every key, or None."""
    if not _allows(st):
        return None
    granted = [a for a in DECRYPT_ACTIONS if _grants_action(st, a)]
    if not granted:
        return None
    if st.not_resources:
        # everything but the listed resources: every key unless it excludes them all
        if not any(every_key(p) for p in st.not_resources):
            return granted[0]
        return None
    if any(every_key(p) for p in st.resources):
        return granted[0]
    return None


def _attached_arns(props: Any, resource_type: str) -> list[str]:
    if resource_type in ATTACHMENTS:
        arn = known(props, "policyArn")
        return [arn] if isinstance(arn, str) else []
    key = "managedPolicyArns" if resource_type == ROLE else "policyArns"
    value = known(props, key)
    return [arn for arn in as_list(value) if isinstance(arn, str)]


def aws_managed_name(arn: str) -> str | None:
    """`arn:aws:iam::aws:policy/job-function/X` -> `x` (lowercased); None for customer policies."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or parts[4] != "aws" or not parts[5].startswith("policy/"):
        return None
    return parts[5].rsplit("/", 1)[-1].lower()


# --------------------------------------------------------------------------------------------
# IAM.1, IAM.21
# --------------------------------------------------------------------------------------------

DOCUMENT_TYPES = (MANAGED_POLICY, *INLINE_POLICIES, ROLE)


@resource_rule(
    "iam-no-admin-policy",
    control="IAM.1",
    description="No identity policy allows every action ('*') on every resource, nor the NotAction "
                "form of it, and no AdministratorAccess/PowerUserAccess attachment.",
    fix="list the actions and the resources the principal needs (e.g. the stack's prefix ARNs); "
        "never Action '*' on Resource '*', Allow with NotAction, nor an admin managed policy",
    types=[*DOCUMENT_TYPES, *ATTACHMENTS, *EXCLUSIVE_ATTACHMENTS],
)
def iam_no_admin_policy(props, args, config) -> Iterator[str]:
    """Stricter than AWS's IAM.1 in two ways (docs/policies.md): inline policies are judged as
    well as customer-managed ones, and Allow + NotAction on every resource counts as full
    administrator access whatever it excludes (it grants every action of every other service,
    including the ones AWS adds later)."""
    for where, sts in _parsed(props, args.resource_type):
        if sts is None:
            yield f"has a {where} that is not a JSON policy document"
            continue
        for st in sts:
            if not _allows(st) or not _every_resource(st):
                continue
            scope = "every resource" + (" but NotResource" if st.not_resources else "")
            if st.not_actions and not any(every_action(p) for p in st.not_actions):
                yield (f"{where} statement {st.label} allows every action but NotAction "
                       f"{st.not_actions} on {scope}")
            elif any(every_action(p) for p in st.actions):
                yield f"{where} statement {st.label} allows every action ('*') on {scope}"
    for arn in _attached_arns(props, args.resource_type):
        if aws_managed_name(arn) in ADMIN_MANAGED_POLICIES:
            yield f"attaches {arn}"


@resource_rule(
    "iam-no-service-wildcard",
    control="IAM.21",
    description="No identity policy allows every action of a service ('svc:*', in any case, or "
                "'*'), whatever the resource, nor Allow with NotAction; no <Service>FullAccess "
                "attachment.",
    fix="list the service's actions the principal needs (explicit names, or a verb family such "
        "as 'rds:Describe*'); never 'svc:*'",
    types=[*DOCUMENT_TYPES, *ATTACHMENTS, *EXCLUSIVE_ATTACHMENTS],
)
def iam_no_service_wildcard(props, args, config) -> Iterator[str]:
    """AWS flags `"Action": "<service>:*"` in any Allow statement whatever its Resource. So does
    this rule, with the other spellings of it (`RDS:*`, `s3:**`, `s*:*`, `*`) and Allow +
    NotAction (every action of every service it doesn't name). A partial wildcard such as
    `s3:Get*` or `ec2:*Instance*` grants a family of actions, not the service: it passes here as
    in AWS (the deploy role's tests keep those to read verbs)."""
    for where, sts in _parsed(props, args.resource_type):
        if sts is None:
            yield f"has a {where} that is not a JSON policy document"
            continue
        for st in sts:
            if not _allows(st):
                continue
            if st.not_actions and not any(every_action(p) for p in st.not_actions):
                yield (f"{where} statement {st.label} allows every action but NotAction "
                       f"{st.not_actions}")
                continue
            wide = [p for p in st.actions if service_wide(p)]
            if wide:
                yield f"{where} statement {st.label} allows every action of a service: {', '.join(wide)}"
    for arn in _attached_arns(props, args.resource_type):
        name = aws_managed_name(arn)
        if name and name.endswith(FULL_ACCESS_SUFFIX):
            yield f"attaches {arn}"


# --------------------------------------------------------------------------------------------
# KMS.1, KMS.2
# --------------------------------------------------------------------------------------------


def _decrypt_problems(props: Any, resource_type: str) -> Iterator[str]:
    for where, sts in _parsed(props, resource_type):
        if sts is None:
            yield f"has a {where} that is not a JSON policy document"
            continue
        for st in sts:
            action = _decrypts_every_key(st)
            if action:
                yield f"{where} statement {st.label} allows {action} on every KMS key"


DECRYPT_FIX = ("name the keys: their ARNs, or at least this account and region "
               "(arn:aws:kms:<region>:<account>:key/<id> or key/*), never Resource '*'")


@resource_rule(
    "kms-managed-policy-no-decrypt-all",
    control="KMS.1",
    description="Customer-managed policies don't allow kms:Decrypt or kms:ReEncryptFrom on every "
                "KMS key.",
    fix=DECRYPT_FIX,
    types=[MANAGED_POLICY],
)
def kms_managed_policy_no_decrypt_all(props, args, config) -> Iterator[str]:
    yield from _decrypt_problems(props, args.resource_type)


@resource_rule(
    "kms-inline-policy-no-decrypt-all",
    control="KMS.2",
    description="Inline policies of roles, users and groups don't allow kms:Decrypt or "
                "kms:ReEncryptFrom on every KMS key.",
    fix=DECRYPT_FIX,
    types=[*INLINE_POLICIES, ROLE],
)
def kms_inline_policy_no_decrypt_all(props, args, config) -> Iterator[str]:
    yield from _decrypt_problems(props, args.resource_type)
