"""What every config section shares: the namespace, the strict base model and the validators
used by more than one section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

NAMESPACE = "groundwork"


class _Strict(BaseModel):
    """Base of every config section: unknown keys are errors, values are not coerced from
    unrelated types (``"three"`` is not an int), and models are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # docstrings: components/args.doc_of


def _known_size(value: str, table: Mapping[str, Any], what: str, examples: str) -> str:
    """`value` if `table` (components/sizing.py) lists it, else the families it does list."""
    if value not in table:
        families = sorted({c.rsplit(".", 1)[0] for c in table})
        raise ValueError(f"unknown or unsupported {what} {value!r}; families: "
                         f"{', '.join(families)} (e.g. {examples})")
    return value


def _check_retention(v: int) -> int:
    allowed = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
               2557, 2922, 3288, 3653)
    if v not in allowed:
        raise ValueError(
            f"{v} is not a CloudWatch Logs retention; use one of {', '.join(map(str, allowed))}"
        )
    return v


def _single_hyphens(v: str) -> str:
    """A component name of the config (a queue's, an asset bucket's): no double hyphen (the AWS
    names join their parts with single hyphens, so `a--b` would read as an empty part)."""
    if "--" in v:
        raise ValueError(f"{v!r} has a double hyphen; use single hyphens")
    return v


def _suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""
