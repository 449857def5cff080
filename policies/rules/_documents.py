"""IAM policy documents as AWS reads them: one normalised view for every rule that judges a
policy (identity policies, key policies, bucket, topic and queue policies).

AWS accepts many spellings of the same statement: `Action` as a string or a list, `Principal`
as `"*"`, `{"AWS": "*"}` or `{"AWS": ["arn:...", "*"]}`, actions in any case, wildcards
anywhere in an action. Rules that read the raw JSON miss the spellings they did not think of,
so every rule reads `statements(document)` instead. See docs/policies.md.

Standard library only: this module also runs inside the policy pack's own virtualenv.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def _plain(value: Any) -> Any:
    """pulumi_policy's proxies (Mapping / Sequence) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    return value


def document(value: Any) -> dict[str, Any] | None:
    """A policy input (JSON string or structured) as a plain dict, or None when it is not one."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    value = _plain(value)
    return value if isinstance(value, dict) else None


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


@dataclass(frozen=True)
class Statement:
    """One statement, every field a list whatever the spelling in the source."""

    index: int
    sid: str
    effect: str
    """`Allow` or `Deny` as written (AWS treats anything else as invalid)."""
    actions: list[str]
    not_actions: list[str]
    resources: list[str]
    not_resources: list[str]
    principals: dict[str, list[str]]
    """`{"AWS": [...], "Service": [...], ...}`; `Principal: "*"` is `{"*": ["*"]}`."""
    not_principals: dict[str, list[str]]
    has_principal: bool
    has_not_principal: bool
    conditions: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """`{operator: {key (lowercased): [values]}}`: condition keys are case-insensitive in AWS."""

    @property
    def label(self) -> str:
        return self.sid or f"#{self.index}"

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def denies(self) -> bool:
        return self.effect == "Deny"

    def principal_values(self) -> list[str]:
        return [v for values in self.principals.values() for v in values]

    def condition_values(self, key: str) -> dict[str, list[str]]:
        """Operator -> values for one condition key (case-insensitive)."""
        key = key.lower()
        return {op: keys[key] for op, keys in self.conditions.items() if key in keys}


def _principal_map(value: Any) -> dict[str, list[str]]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"*": [value]} if value == "*" else {"AWS": [value]}
    if isinstance(value, dict):
        return {str(k): _strings(v) for k, v in value.items()}
    return {"?": _strings(value)}


def statements(doc: Any) -> list[Statement]:
    """Every statement of a document (a dict, a JSON string, or a single statement object)."""
    parsed = document(doc) if not isinstance(doc, dict) else _plain(doc)
    if not isinstance(parsed, dict):
        return []
    raw = parsed.get("Statement", [] if "Effect" not in parsed else [parsed])
    if isinstance(raw, dict):
        raw = [raw]
    out: list[Statement] = []
    for i, st in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(st, dict):
            continue
        conditions: dict[str, dict[str, list[str]]] = {}
        for op, keys in (st.get("Condition") or {}).items():
            if isinstance(keys, dict):
                conditions[str(op)] = {str(k).lower(): _strings(v) for k, v in keys.items()}
        out.append(Statement(
            index=i, sid=str(st.get("Sid") or ""), effect=str(st.get("Effect") or ""),
            actions=_strings(st.get("Action")), not_actions=_strings(st.get("NotAction")),
            resources=_strings(st.get("Resource")), not_resources=_strings(st.get("NotResource")),
            principals=_principal_map(st.get("Principal")),
            not_principals=_principal_map(st.get("NotPrincipal")),
            has_principal="Principal" in st, has_not_principal="NotPrincipal" in st,
            conditions=conditions))
    return out


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$",
                      re.IGNORECASE)


def matches(pattern: str, value: str) -> bool:
    """IAM wildcard matching (`*`, `?`), case-insensitive as IAM does for actions."""
    return bool(_wildcard(pattern).match(value))


def action_covers(pattern: str, action: str) -> bool:
    """Whether an action pattern grants `action` (e.g. `kms:De*` covers `kms:Decrypt`)."""
    return matches(pattern, action)


def iter_allows(doc: Any) -> Iterator[Statement]:
    for st in statements(doc):
        if st.allows:
            yield st


# --------------------------------------------------------------------------------------------
# who a resource policy lets in: public principals and the conditions that really narrow them
# --------------------------------------------------------------------------------------------

ACCOUNT_KEYS = frozenset({"aws:sourceaccount", "aws:sourceowner", "aws:principalaccount",
                          "kms:calleraccount"})
"""Condition keys whose value is the caller's (or calling resource's) 12-digit account."""
ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn"})
"""Condition keys whose value is an ARN: narrowing when it names an account or one resource."""
ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})
ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
VPC_KEYS = frozenset({"aws:sourcevpc", "aws:sourcevpce", "aws:sourcevpcarn"})
NARROWING_KEYS = ACCOUNT_KEYS | ARN_KEYS | ORG_KEYS | ORG_PATH_KEYS | VPC_KEYS
"""The keys that can make a `Principal: "*"` statement non-public (aws:SecureTransport,
aws:UserAgent, aws:SourceIp, kms:ViaService and the like never do: anyone can meet them).
`aws:ResourceAccount` is not one either: in a resource policy the resource is the policy's own
key, bucket or topic, so the condition always holds."""

_STRING_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike"})
_ARN_OPERATORS = frozenset({"arnequals", "arnlike"}) | _STRING_OPERATORS
"""Positive matching operators. `...IfExists` never narrows (the key is absent for a direct
call, and then the condition holds); negated operators (`StringNotEquals`) let everyone else
in; `ForAllValues:` holds when the key is absent. `ForAnyValue:` on a single-valued key is a
plain match, so it narrows like the operator without the prefix."""

ACCOUNT_ID = re.compile(r"^\d{12}$")
ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
ORG_PATH = re.compile(r"^o-[a-z0-9]{10,32}/")
VPC_ID = re.compile(r"^vpce?-[0-9a-f]{8,17}$")
_ARN = re.compile(r"^arn:[^:]+:[^:]*:[^:]*:([^:]*):(.*)$")


def _base_operator(operator: str) -> str | None:
    """`ForAnyValue:StringEquals` -> `stringequals`; None for operators that never narrow."""
    op = operator.lower()
    if op.startswith("forallvalues:") or op.endswith("ifexists"):
        return None
    if op.startswith("foranyvalue:"):
        op = op.split(":", 1)[1]
    return op


def _wild(value: str) -> bool:
    return "*" in value or "?" in value or "${" in value


def _literal(value: str, operator: str) -> bool:
    """The value matches one thing: no wildcard where the operator reads wildcards, and no
    policy variable (`${aws:SourceAccount}` compares the key with itself)."""
    if "${" in value:
        return False
    return operator not in ("stringlike", "arnlike") or not _wild(value)


def arn_account(value: str) -> str | None:
    """The account field of an ARN (`arn:aws:iam::123456789012:root` -> `123456789012`), a
    bare account id as itself, else None (services, canonical ids, wildcards)."""
    if ACCOUNT_ID.match(value):
        return value
    found = _ARN.match(value)
    if found and ACCOUNT_ID.match(found.group(1)):
        return found.group(1)
    return None


def _arn_narrowing(value: str, operator: str) -> str | None:
    """`account` when the ARN pins the account, `exact` when it names one resource with no
    account field (an S3 bucket), else None. ArnLike matches each colon-separated field on its
    own, so a wildcard in the region is harmless; StringLike's `*` also crosses colons, so there
    nothing up to and including the account may be a wildcard."""
    if "${" in value:
        return None
    found = _ARN.match(value)
    if not found:
        return None
    head = value.split(":")[:5]
    if ACCOUNT_ID.match(found.group(1)):
        if operator == "stringlike" and _wild(":".join(head)):
            return None
        return "account"
    if found.group(1) == "" and (operator not in ("stringlike", "arnlike") or not _wild(value)):
        return "exact"
    return None


@dataclass(frozen=True)
class Narrowing:
    """What the conditions of one statement restrict the caller to. Each set holds the values
    one narrowing condition allows (any of them); empty means that kind is not narrowed."""

    accounts: frozenset[str] = frozenset()
    """Accounts the caller (or the source, or the resource ARN) must be in."""
    resources: frozenset[str] = frozenset()
    """Exact source/principal ARNs (no account in them, e.g. an S3 bucket ARN)."""
    orgs: frozenset[str] = frozenset()
    vpcs: frozenset[str] = frozenset()
    keys: tuple[str, ...] = ()
    """The condition keys that narrow (for messages)."""

    @property
    def narrowed(self) -> bool:
        return bool(self.keys)


def _narrowing_values(key: str, operator: str, values: list[str]) -> tuple[str, set[str]] | None:
    """(kind, allowed values) when `operator key values` really narrows the caller, else None.
    Every value must be concrete: one wildcard value lets everyone in."""
    if not values:
        return None
    if key in ACCOUNT_KEYS and operator in _STRING_OPERATORS:
        if all(ACCOUNT_ID.match(v) and _literal(v, operator) for v in values):
            return "accounts", set(values)
        return None
    if key in ARN_KEYS and operator in _ARN_OPERATORS:
        accounts, exact = set(), set()
        for v in values:
            kind = _arn_narrowing(v, operator)
            account = arn_account(v)
            if kind is None:
                return None
            if kind == "account" and account:
                accounts.add(account)
            else:
                exact.add(v)
        # a mix of account-bound and exact ARNs still narrows; keep them apart for callers
        return ("accounts", accounts) if not exact else ("resources", exact | accounts)
    if key in ORG_KEYS and operator in _STRING_OPERATORS:
        if all(ORG_ID.match(v) and _literal(v, operator) for v in values):
            return "orgs", set(values)
        return None
    if key in ORG_PATH_KEYS and operator in _STRING_OPERATORS:
        if all(ORG_PATH.match(v) and not _wild(v.split("/", 1)[0]) and "${" not in v for v in values):
            return "orgs", {v.split("/", 1)[0] for v in values}
        return None
    if key in VPC_KEYS and operator in _STRING_OPERATORS | _ARN_OPERATORS:
        if all(not _wild(v) for v in values) and all(VPC_ID.match(v) or _ARN.match(v) for v in values):
            return "vpcs", set(values)
        return None
    return None


def narrowing(st: Statement) -> Narrowing:
    """How the statement's conditions restrict who can use it. Conditions are ANDed, so one
    narrowing condition is enough; within a key, values are ORed, so every value must narrow."""
    found: dict[str, set[str]] = {"accounts": set(), "resources": set(), "orgs": set(), "vpcs": set()}
    keys: list[str] = []
    for operator, conditions in st.conditions.items():
        base = _base_operator(operator)
        if base is None:
            continue
        for key, values in conditions.items():
            if key not in NARROWING_KEYS:
                continue
            hit = _narrowing_values(key, base, values)
            if hit is None:
                continue
            kind, allowed = hit
            # two conditions of one kind are ANDed: the caller must meet both
            found[kind] = found[kind] & allowed if found[kind] else set(allowed)
            keys.append(f"{operator} {key}")
    return Narrowing(accounts=frozenset(found["accounts"]), resources=frozenset(found["resources"]),
                     orgs=frozenset(found["orgs"]), vpcs=frozenset(found["vpcs"]), keys=tuple(keys))


def _is_allow(st: Statement) -> bool:
    return st.effect.lower() == "allow"


def everyone(st: Statement) -> bool:
    """The statement names every principal: `Principal: "*"`, `{"AWS": "*"}`, a list holding
    `"*"` (in any principal type), or an Allow with `NotPrincipal` (everyone but those named)."""
    if st.has_not_principal and _is_allow(st):
        return True
    return any("*" in v for v in st.principal_values())


def public(st: Statement) -> bool:
    """An Allow statement that anyone can use: it names every principal and no condition
    narrows it to an account, organisation, source ARN or VPC (see `narrowing`)."""
    return _is_allow(st) and everyone(st) and not narrowing(st).narrowed


def public_statements(doc: Any) -> list[Statement]:
    """The Allow statements of a resource policy that let anyone in."""
    return [st for st in statements(doc) if public(st)]


def why_public(st: Statement) -> str:
    """A short description of a public statement (for rule messages)."""
    who = "allows everyone but its NotPrincipal" if st.has_not_principal else "allows Principal '*'"
    if not st.conditions:
        return f"{who} with no condition"
    return f"{who} and no condition narrows it to an account, organisation, source ARN or VPC"


def grants(st: Statement, action: str) -> bool:
    """The statement's actions cover `action` (`Action` patterns, or a `NotAction` none of
    whose patterns covers it)."""
    if st.not_actions:
        return not any(action_covers(p, action) for p in st.not_actions)
    return any(action_covers(p, action) for p in st.actions)


def _collapse(pattern: str) -> str:
    return re.sub(r"\*+", "*", pattern)


def covers_service(pattern: str, service: str) -> bool:
    """The action pattern covers every action of `service` (`*`, `s3:*`, `s3*`, `S3:*`)."""
    p = _collapse(pattern.lower())
    if not p.endswith("*"):
        return False
    prefix = p[:-1]
    return not _wild(prefix) and f"{service.lower()}:".startswith(prefix)


def may_cover_service(pattern: str, service: str) -> bool:
    """The action pattern could cover some action of `service` (its literal head is a prefix
    of `service:`, or `service:` a prefix of it)."""
    p = pattern.lower()
    head = re.split(r"[*?]", p, maxsplit=1)[0]
    target = f"{service.lower()}:"
    return head.startswith(target) or target.startswith(head)


def denies_every(st: Statement, service: str) -> bool:
    """A Deny whose actions cover every action of `service` (`Action: "s3:*"` or `"*"`, or a
    `NotAction` that can't match any of them)."""
    if st.effect != "Deny":
        return False
    if st.not_actions:
        return not any(may_cover_service(p, service) for p in st.not_actions)
    return any(covers_service(p, service) for p in st.actions)


def resource_covers(pattern: str, arn: str, *, subtree: bool = False) -> bool:
    """The Resource pattern covers `arn` (resource ARNs match case-sensitively); with
    `subtree`, it covers `arn/` and everything under it (`arn/*`, `arn*`, `*`)."""
    regex = re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$")
    if not subtree:
        return bool(regex.match(arn))
    return _collapse(pattern).endswith("*") and bool(regex.match(arn + "/"))
