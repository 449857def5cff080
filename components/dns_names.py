"""DNS names as config and Args take them: `check_dns_name` and the `DnsName` type.

Every domain groundwork puts into ACM, Route 53 or a listener's host condition is checked here
before anything is registered (mocks accept any string; ACM refuses `10.0.0.0/33` only at
deploy time, after the plan looked fine):

- labels per RFC 1123 §2.1 (host names): 1-63 letters, digits and hyphens, no hyphen first or
  last; the last label is not all digits (it would read as an IPv4 address);
- at most 253 characters (RFC 1035's 255-octet wire limit, written out without the root), one
  trailing dot accepted and dropped (`app.example.com.` is `app.example.com`);
- at least two labels (ACM and a public zone have no use for a bare TLD);
- `*` only as the whole leftmost label, with two labels at least after it (`*.example.com`;
  ACM's wildcard rule; an ALB host condition's mid-label `*`/`?` wildcards are refused, because
  a certificate could never cover them);
- not an IP address or a CIDR;
- lowercased (DNS is case-insensitive; ACM and Route 53 store lowercase).

`covers(name, host)`: whether a certificate name covers a host (exact, or a one-level
wildcard: `*.example.com` covers `api.example.com`, not `example.com` or `a.b.example.com`).
`validation_key(name)`: the name whose DNS validation record ACM asks for (a wildcard and its
apex share one record).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator

MAX_NAME_LENGTH = 253
"""Longest DNS name in text form without the trailing dot (255 octets on the wire)."""
MAX_LABEL_LENGTH = 63
LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
"""An RFC 1123 label (after lowercasing): letters, digits and hyphens, no hyphen first or last."""
WILDCARD = "*"


def check_dns_name(value: object, *, what: str) -> str:
    """`value` as a lowercase DNS name without a trailing dot, or ValueError saying which rule
    it breaks (`what` names the key or field: "certificate.domain")."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a DNS name such as app.example.com, got "
                         f"{type(value).__name__}")
    shown = repr(value)
    name = value[:-1] if value.endswith(".") else value
    name = name.lower()
    if not name:
        raise ValueError(f"{what} {shown} is empty; give a DNS name such as app.example.com")
    if "/" in name:
        raise ValueError(f"{what} {shown} is an IP network (CIDR), not a DNS name; give a "
                         "domain such as app.example.com")
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError(f"{what} {shown} is an IP address, not a DNS name; ACM and Route 53 "
                         "alias records take domains such as app.example.com")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{what} {shown} has {len(name)} characters; a DNS name has at most "
                         f"{MAX_NAME_LENGTH}")
    labels = name.split(".")
    if len(labels) < 2:
        raise ValueError(f"{what} {shown} has a single label; give a fully qualified name with "
                         "at least two labels, such as app.example.com")
    for index, label in enumerate(labels):
        if label == WILDCARD:
            if index != 0:
                raise ValueError(f"{what} {shown}: a wildcard (*) may only be the whole leftmost "
                                 "label, as in *.example.com")
            if len(labels) < 3:
                raise ValueError(f"{what} {shown}: a wildcard needs at least two labels after "
                                 "it (*.example.com); ACM refuses a wildcard over a bare TLD")
            continue
        if WILDCARD in label or "?" in label:
            raise ValueError(f"{what} {shown}: label {label!r} has a wildcard inside it; a "
                             "wildcard may only be the whole leftmost label (*.example.com), "
                             "the only form a certificate can cover")
        if not label:
            raise ValueError(f"{what} {shown} has an empty label (two dots in a row, or a "
                             "leading dot)")
        if len(label) > MAX_LABEL_LENGTH:
            raise ValueError(f"{what} {shown}: label {label[:20]!r}... has {len(label)} "
                             f"characters; a DNS label has at most {MAX_LABEL_LENGTH}")
        if not LABEL.match(label):
            raise ValueError(f"{what} {shown}: label {label!r} is not an RFC 1123 label (letters, "
                             "digits and hyphens only, no hyphen first or last)")
    if labels[-1].isdigit():
        raise ValueError(f"{what} {shown}: the last label {labels[-1]!r} is all digits; that is "
                         "an IP address, not a domain (RFC 1123 §2.1)")
    return name


def _dns_name(value: str) -> str:
    return check_dns_name(value, what="DNS name")


DnsName = Annotated[str, AfterValidator(_dns_name)]
"""A str field that holds a DNS name (checked and normalized by `check_dns_name`)."""


def is_wildcard(name: str) -> bool:
    return name.startswith(WILDCARD + ".")


def covers(certificate_name: str, host: str) -> bool:
    """Whether a certificate for `certificate_name` serves TLS for `host` (both checked names):
    the same name, or a wildcard one level above it (`*.example.com` covers `api.example.com`
    and the wildcard host `*.example.com` itself, not `example.com` nor `a.b.example.com`)."""
    if certificate_name == host:
        return True
    if not is_wildcard(certificate_name) or is_wildcard(host):
        return False
    parent = certificate_name[2:]
    head, _, rest = host.partition(".")
    return bool(head) and rest == parent


def covered_by(names: list[str], host: str) -> bool:
    """Whether any of a certificate's `names` covers `host`."""
    return any(covers(name, host) for name in names)


def validation_key(name: str) -> str:
    """The name ACM's DNS validation record is for: a wildcard's apex (`*.example.com` and
    `example.com` are validated by one and the same CNAME)."""
    return name[2:] if is_wildcard(name) else name


def record_key(name: str) -> str:
    """A stable key of a domain for logical resource names: the name itself, with a wildcard's
    `*` written `_wildcard` (no DNS name has an underscore, so no two domains share a key)."""
    return "_wildcard" + name[1:] if is_wildcard(name) else name


def distinct(names: list[str]) -> list[str]:
    """`names` without repeats, first occurrence first."""
    return list(dict.fromkeys(names))
