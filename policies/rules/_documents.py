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
