"""What every component's `<Component>Args` shares (docs/library.md).

- `ArgsModel`: typed and frozen. Unknown arguments are errors naming the argument and what is
  allowed; values are validated when the Args are built (pydantic's lax mode: "2" is read as
  2, "three" is an error), so a bad value stops the program before any resource is registered.
- `ComponentArgs`: adds the two arguments every component takes, `name_prefix` and `tags`.
- `<Component>Settings` (one per component, in its own module) holds the plain tunables; the
  `<Component>Args` adds what it connects to. The stacks' config sections extend the settings,
  so one type carries each concept from YAML to the component.
- `Input[X]`: what a field that comes from another resource is annotated with. Type checkers
  see `pulumi.Input[X]`; at run time pydantic sees `Any` (pulumi.Input's forward references
  can't be evaluated), so an Output passes through untouched.

The validators here are pure (no pulumi) and shared by several components.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from pulumi import Input as Input
else:
    class _InputMarker:
        """Marks a field as a `pulumi.Input` (the Args reference shows it as such)."""

        def __init__(self, item: Any):
            self.item = item

        def __repr__(self) -> str:
            return f"Input[{getattr(self.item, '__name__', self.item)}]"

    class Input:
        """`Input[X]`: `pulumi.Input[X]` for type checkers, `Any` for pydantic at run time."""

        def __class_getitem__(cls, item: Any) -> Any:
            return Annotated[Any, _InputMarker(item)]


class ArgsModel(BaseModel):
    """Base of every settings and Args model: unknown keys are errors, a value that can't be
    read as its type is an error, and a model is immutable once validated. Field docstrings are
    the descriptions (the generated references read them)."""

    # Field docstrings are read from the source only when asked (`doc_of`): pydantic's
    # use_attribute_docstrings tokenizes every class's source at import, half a second of
    # every `groundwork` command (docs/performance.md).
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    def settings(self, settings_class: type[ArgsModel]) -> dict[str, Any]:
        """The values of `settings_class`'s fields (objects, not dumps): how the stacks hand a
        validated config section to a component's Args."""
        return {key: getattr(self, key) for key in settings_class.model_fields}


class ComponentArgs(ArgsModel):
    """The arguments every component takes besides its own."""

    @model_validator(mode="before")
    @classmethod
    def _known_arguments(cls, data: Any) -> Any:
        """An unknown argument is named with the closest known one and the whole list, before
        pydantic's own "Extra inputs are not permitted"."""
        if isinstance(data, Mapping):
            unknown = sorted(str(k) for k in data if k not in cls.model_fields)
            if unknown:
                import difflib

                known = sorted(cls.model_fields)
                errors = []
                for key in unknown:
                    close = difflib.get_close_matches(key, known, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    errors.append(InitErrorDetails(
                        type=PydanticCustomError(
                            "unknown_argument", "{model} has no argument {key}{hint}; it takes {known}",
                            {"model": cls.__name__, "key": repr(key), "hint": hint,
                             "known": ", ".join(known)}),
                        loc=(key,), input=data[key]))
                raise ValidationError.from_exception_data(cls.__name__, errors)
        return data

    name_prefix: str = ""
    """Start of every AWS name (default "": `<project>-<stack>`, so two stacks of one project
    never collide in an account). The component's own name follows it."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Tags on every taggable child besides Name and Component (default none: the provider's
    default_tags add the rest)."""


@functools.cache
def _class_docstrings(klass: type) -> dict[str, str]:
    """The docstrings under the annotated fields of one class's own body."""
    import ast
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(klass))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0]
    if not isinstance(body, ast.ClassDef):
        return {}
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body.body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = after.value.value
    return docs


def field_docstring(model: type[BaseModel], field: str) -> str:
    """A field's docstring as written (the nearest class of the MRO that declares it), or the
    `Field(description=...)` given instead; "" if neither."""
    for klass in model.__mro__:
        if field in inspect.get_annotations(klass) if isinstance(klass, type) else False:
            doc = _class_docstrings(klass).get(field)
            if doc:
                return doc
    info = model.model_fields.get(field)
    return (info.description or "") if info is not None else ""


def doc_of(model: type[BaseModel], field: str) -> str:
    """A field's one-line description."""
    return " ".join(field_docstring(model, field).split())


def annotation_of(model: type[BaseModel], field: str) -> str:
    """A field's annotation as written in the source (`Input[str] | None`, `int`...)."""
    for klass in model.__mro__:
        raw = inspect.get_annotations(klass).get(field) if isinstance(klass, type) else None
        if raw is not None:
            return raw if isinstance(raw, str) else getattr(raw, "__name__", repr(raw))
    return "Any"


# --------------------------------------------------------------------------------------------
# validators shared by several components (pure)
# --------------------------------------------------------------------------------------------

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)
"""The retentions CloudWatch Logs accepts."""


def check_retention(v: int) -> int:
    if v not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{v} is not a CloudWatch Logs retention; use one of "
            f"{', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return v


def known_size(value: str, table: Mapping[str, Any], what: str, examples: str) -> str:
    """`value` if `table` (components/sizing.py) lists it, else the families it does list."""
    if value not in table:
        families = sorted({c.rsplit(".", 1)[0] for c in table})
        raise ValueError(f"unknown or unsupported {what} {value!r}; families: "
                         f"{', '.join(families)} (e.g. {examples})")
    return value


def check_window(value: str, *, weekly: bool) -> str:
    """A UTC window, `03:00-04:00` (daily) or `sun:04:30-sun:05:30` (weekly)."""
    import re

    day = r"(mon|tue|wed|thu|fri|sat|sun):" if weekly else ""
    pattern = rf"^{day}([01]\d|2[0-3]):[0-5]\d-{day}([01]\d|2[0-3]):[0-5]\d$"
    if not re.match(pattern, value):
        example = "sun:04:30-sun:05:30" if weekly else "03:00-04:00"
        raise ValueError(f"must look like {example} (UTC)")
    return value


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


def window_minutes(window: str) -> tuple[int, list[tuple[int, int]]]:
    """A window's length in minutes and its [start, end) minute ranges of the week; a daily
    window (no day) repeats every day. Ranges that wrap the end of the week are split."""
    def minute(part: str) -> tuple[int | None, int]:
        bits = part.split(":")
        day = _DAYS.index(bits[0]) if len(bits) == 3 else None
        return day, int(bits[-2]) * 60 + int(bits[-1])

    start_s, end_s = window.split("-")
    (d1, m1), (d2, m2) = minute(start_s), minute(end_s)
    if d1 is None or d2 is None:
        length = (m2 - m1) % (24 * 60)
        starts = [d * 24 * 60 + m1 for d in range(7)]
    else:
        a, b = d1 * 24 * 60 + m1, d2 * 24 * 60 + m2
        length = (b - a) % _WEEK
        starts = [a]
    out: list[tuple[int, int]] = []
    for a in starts:
        b = a + length
        if b <= _WEEK:
            out.append((a, b))
        else:
            out += [(a, _WEEK), (0, b - _WEEK)]
    return length, out


def check_windows(name_a: str, a: str, name_b: str, b: str, *, minimum: int) -> None:
    """Windows must last >= `minimum` minutes and must not overlap (AWS refuses both)."""
    for name, window in ((name_a, a), (name_b, b)):
        length, _ = window_minutes(window)
        if length < minimum:
            raise ValueError(f"{name} {window} is shorter than AWS's minimum of {minimum} minutes")
    for s1, e1 in window_minutes(a)[1]:
        for s2, e2 in window_minutes(b)[1]:
            if s1 < e2 and s2 < e1:
                raise ValueError(f"{name_a} {a} overlaps {name_b} {b}; AWS requires them apart")
