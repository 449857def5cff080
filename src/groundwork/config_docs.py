"""Render the configuration reference (docs/configuration.md) from the config models.

Every key's description is the docstring under the field in `stacks/config/`, and its prod and
dev defaults are computed by validating an empty config under each profile, so the reference can't
drift from the code (a test compares the file with this output).

    .venv/bin/python -m groundwork.config_docs > docs/configuration.md
"""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic import BaseModel

from groundwork.stacks.config import (
    NAMESPACE,
    SERVICE_PROFILE_DEFAULTS,
    EnvironmentConfig,
    Profile,
    ServiceConfig,
    deep_merge,
    load_environment,
)
from groundwork.stacks.config.loader import model_in

HIDDEN = {"stack", "region"}


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(str(a) for a in args)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " \\| ".join(_type_name(a) for a in args if a is not type(None)) + " (optional)"
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in args)}]"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "object"
        return annotation.__name__
    return str(annotation)


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "(see below)"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return "(see below)"
    text = json.dumps(value, default=str)
    return f"`{text}`" if len(text) <= 40 else f"`{text[:37]}...`"


def _defaults(profile: Profile) -> EnvironmentConfig:
    """An empty config under a profile: every value is that profile's default."""
    return load_environment({"profile": profile.value, "tags": {"Owner": "x"}}, stack=profile.value)


def _section(title: str, model: type[BaseModel], prod: Any, dev: Any, out: list[str],
             seen: set[type[BaseModel]]) -> None:
    out += [f"### `{title}`", "", (model.__doc__ or "").strip().splitlines()[0], "",
            "| key | type | prod default | dev default | description |", "|---|---|---|---|---|"]
    nested: list[tuple[str, type[BaseModel], Any, Any]] = []
    for name, field in model.model_fields.items():
        if name in HIDDEN:
            continue
        p = getattr(prod, name, None) if prod is not None else None
        d = getattr(dev, name, None) if dev is not None else None
        required = field.is_required()
        p_show = "**required**" if required else _show(p)
        d_show = "**required**" if required else _show(d)
        desc = " ".join((field.description or "").split()).replace("|", "\\|")
        out.append(f"| `{name}` | {_type_name(field.annotation)} | {p_show} | {d_show} | {desc} |")
        sub = model_in(field.annotation)
        if sub is not None and sub not in seen:
            nested.append((f"{title}.{name}", sub, p if isinstance(p, BaseModel) else None,
                           d if isinstance(d, BaseModel) else None))
    out.append("")
    for sub_title, sub, p, d in nested:
        seen.add(sub)
        _section(sub_title, sub, p, d, out, seen)


def render() -> str:
    prod, dev = _defaults(Profile.PROD), _defaults(Profile.DEV)
    out = [
        "# Configuration reference",
        "",
        f"Every key lives in the `{NAMESPACE}:` namespace of `Pulumi.<stack>.yaml`. Keys are snake_case;",
        "unknown keys are refused with a suggestion; each problem is reported as one line naming the",
        f"full key (`{NAMESPACE}:network.az_count`) before any resource exists. `profile` picks the",
        "defaults: the prod column is the field default, the dev column what the dev profile changes.",
        "Encryption, private placement and least privilege are not keys at all: no profile can turn",
        "them off. Generated from `stacks/config/` by `python -m groundwork.config_docs`.",
        "",
    ]
    seen: set[type[BaseModel]] = set()
    _section(NAMESPACE, EnvironmentConfig, prod, dev, out, seen)
    if ServiceConfig not in seen:
        seen.add(ServiceConfig)
        svc = {"name": "x", "kind": "worker", "image": "r/x:1"}
        sp = ServiceConfig.model_validate(deep_merge(SERVICE_PROFILE_DEFAULTS[Profile.PROD], svc))
        sd = ServiceConfig.model_validate(deep_merge(SERVICE_PROFILE_DEFAULTS[Profile.DEV], svc))
        _section(f"{NAMESPACE}.services[]", ServiceConfig, sp, sd, out, seen)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
