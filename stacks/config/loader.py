"""`load_environment`: profile defaults + validation of one stack's namespace, and `ConfigError`,
whose problems name the full key (`groundwork:network.az_count`) and what is allowed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from groundwork.stacks.config._base import NAMESPACE, _suggest
from groundwork.stacks.config.environment import (
    PROFILE_DEFAULTS,
    SERVICE_PROFILE_DEFAULTS,
    TOP_LEVEL_KEYS,
    EnvironmentConfig,
    Profile,
    deep_merge,
)


class ConfigError(Exception):
    """Invalid environment config. `problems` holds one line per problem, each naming the full
    key (`groundwork:network.az_count`) and what is allowed."""

    def __init__(self, problems: list[str], stack: str | None = None):
        self.problems = problems
        self.stack = stack
        head = f"invalid config for stack '{stack}'" if stack else "invalid config"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


def _key_path(loc: tuple[Any, ...], raw: Mapping[str, Any]) -> str:
    """Render a pydantic error location as a config key: `network.tiers[2].prefix_length`,
    with services named by their `name` rather than their index."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int):
            label = str(item)
            if isinstance(node, list) and item < len(node):
                entry = node[item]
                if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                    label = entry["name"]
                node = entry
            else:
                node = None
            parts.append(f"[{label}]")
            continue
        if isinstance(item, str) and item.startswith(("function-", "literal[", "constrained-")):
            continue  # pydantic's union-branch labels say nothing to a user
        node = node.get(item) if isinstance(node, Mapping) else None
        parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _describe(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    value = err.get("input")
    if kind in {"int_parsing", "int_type", "bool_parsing", "bool_type", "literal_error",
                "string_type", "float_parsing", "enum", "string_pattern_mismatch",
                "dict_type", "list_type", "model_type", "int_from_float"}:
        shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
        return f"{msg} (got {shown})"
    return msg


def load_environment(
    raw: Mapping[str, Any], *, stack: str, region: str | None = None
) -> EnvironmentConfig:
    """Validate the `groundwork:` namespace (keys without the prefix) of one stack.

    Applies the profile's defaults under the given values, then validates. Raises ConfigError
    listing every problem; never registers anything.
    """
    problems: list[str] = []
    unknown = [k for k in raw if k not in TOP_LEVEL_KEYS]
    for key in unknown:
        problems.append(
            f"{NAMESPACE}:{key}: unknown key; allowed: {', '.join(TOP_LEVEL_KEYS)}"
            + _suggest(key, TOP_LEVEL_KEYS)
        )
    known = {k: v for k, v in raw.items() if k in TOP_LEVEL_KEYS}

    profile_raw = known.get("profile")
    try:
        if not isinstance(profile_raw, str):  # missing, or not text: no Profile has that value
            raise ValueError(profile_raw)
        profile = Profile(profile_raw)
    except ValueError:
        shown = "missing" if profile_raw is None else f"got {profile_raw!r}"
        problems.append(f"{NAMESPACE}:profile: must be one of dev, prod ({shown})")
        raise ConfigError(problems, stack) from None

    if isinstance(known.get("edge"), str):  # the `edge: cloudfront` shorthand, before the merge
        known["edge"] = {"mode": known["edge"]}  # keeps the profile's edge defaults under it
    merged = deep_merge(PROFILE_DEFAULTS[profile], known)
    if known.get("load_balancer") is None:
        merged.pop("load_balancer", None)  # optional section: profile defaults don't create it
    services = merged.get("services")
    if isinstance(services, list):
        merged["services"] = [
            deep_merge(SERVICE_PROFILE_DEFAULTS[profile], s) if isinstance(s, Mapping) else s
            for s in services
        ]
    merged["stack"] = stack
    if region:
        merged["region"] = region
    try:
        env = EnvironmentConfig.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            key = _key_path(tuple(err["loc"]), merged)
            line = f"{NAMESPACE}:{key}: {_describe(err)}" if key else f"{NAMESPACE}: {_describe(err)}"
            if err.get("type") == "extra_forbidden":
                parent_loc = tuple(err["loc"][:-1])
                allowed = _allowed_keys(parent_loc)
                if allowed:
                    line += f"; allowed: {', '.join(allowed)}" + _suggest(str(err["loc"][-1]), allowed)
            problems.append(line)
    if problems:
        raise ConfigError(problems, stack)
    _check_subnet_plan(env)
    return env


def _check_subnet_plan(env: EnvironmentConfig) -> None:
    """Plan the subnets now, so a layout that doesn't fit fails as config, not mid-build."""
    from groundwork.components.network.planner import PlanError

    try:
        env.network.plan(env.region)
    except PlanError as exc:
        raise ConfigError([f"{NAMESPACE}:network: {exc}"], env.stack) from None


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at `loc` (for 'unknown key' hints)."""
    model: Any = EnvironmentConfig
    for item in loc:
        if isinstance(item, int):
            continue
        field = model.model_fields.get(item)
        if field is None:
            return []
        model = model_in(field.annotation)
        if model is None:
            return []
    return [k for k in model.model_fields if k not in {"stack", "region"}]


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (`X | None`, `list[X]`), if any (also used by the
    configuration reference generator)."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None
