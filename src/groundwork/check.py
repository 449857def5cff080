"""The policy pack, offline: run `policies.rules` over a stack planned by the offline engine.

`pulumi preview --policy-pack policies` sends each resource to the pack over gRPC; here the
same rule objects get the same arguments, built from the engine's records (see
docs/testing.md and docs/policies.md):

- each custom resource -> `ResourceValidationArgs(type, props, urn, name, opts, provider, config)`
  with `props` = its inputs wrapped exactly as the engine wraps them
  (`unknown_checking_proxy(deserialize_properties(...))`), `opts.protect` from the request and
  `provider` = its aws provider's inputs (where provider default tags live);
- the whole stack -> `StackValidationArgs([PolicyResource...])` with outputs as props and parent,
  dependencies and property dependencies resolved to the other resources, as the engine does;
- per-policy config from `policies/config/<stack>.json` (the file `--policy-pack-config` takes):
  enforcement level (a policy's own entry, else `all`, else the pack's default: mandatory) and
  properties (merged over the rule's defaults).

Any program's plan can be checked: every rule runs over every AWS resource in it, whatever
built it. A program that is not groundwork's own uses its project's
`policies/config/<stack>.json` if it has one, else the pack's defaults (no config file).

A rule that reads a value unknown at preview is reported as skipped, as the engine does.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from groundwork.engine import UNKNOWN, PlanResult, ResourceRecord
from groundwork.policies import rules as pack
from groundwork.policies.rules import ResourceRule, StackRule
from groundwork.policies.rules._base import Stack
from groundwork.policies.rules.security import Exemption, rotation_exemptions

Rule = ResourceRule | StackRule
LEVELS = ("advisory", "mandatory", "remediate", "disabled")
POLICIES_DIR = Path(pack.__file__).resolve().parent.parent
"""The policy pack directory (PulumiPolicy.yaml, __main__.py, config/)."""


class PolicyConfigError(Exception):
    """A policy config file that the Pulumi CLI would refuse. `problems`: one line each."""

    def __init__(self, path: Path | None, problems: list[str]):
        self.path = path
        self.problems = problems
        where = f" {path}" if path else ""
        super().__init__(f"invalid policy config{where}:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Violation:
    policy: str
    control: str
    level: str
    """mandatory or advisory (remediate counts as mandatory, as in the engine)."""
    message: str
    urn: str
    resource_type: str
    resource_name: str


@dataclass(frozen=True)
class Skipped:
    policy: str
    urn: str
    reason: str
    kind: str
    """`unknown` (needs a value known only after deploy) or `not-applicable`."""


@dataclass
class CheckResult:
    """What the rules said about one stack."""

    stack: str
    config_path: Path | None
    levels: dict[str, str]
    violations: list[Violation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    resources: int = 0
    exemptions: list[Exemption] = field(default_factory=list)
    """Every secret carrying a rotation exemption tag, whether the exemption counts or not
    (`secretsmanager-rotation` judges them; the check lists each one)."""

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "advisory"]

    @property
    def passed(self) -> bool:
        return not self.mandatory

    def by_rule(self) -> dict[str, list[Violation]]:
        """Violations grouped by policy, in the pack's order (mandatory rules first)."""
        order = {r.name: i for i, r in enumerate(pack.ALL)}
        grouped: dict[str, list[Violation]] = {}
        for v in sorted(self.violations, key=lambda v: (v.level != "mandatory", order.get(v.policy, 0))):
            grouped.setdefault(v.policy, []).append(v)
        return grouped

    def fired(self, policy: str, level: str | None = None) -> list[Violation]:
        return [v for v in self.violations if v.policy == policy and (level is None or v.level == level)]

    @property
    def exempt(self) -> list[Exemption]:
        """The exemptions in use: those that count."""
        return [e for e in self.exemptions if e.counts]

    def to_json(self) -> dict[str, Any]:
        """The result as `groundwork check --json` writes it."""
        return {
            "stack": self.stack, "config": str(self.config_path) if self.config_path else None,
            "passed": self.passed, "resources": self.resources, "summary": self.summary(),
            "violations": [{"policy": v.policy, "control": v.control, "level": v.level,
                            "message": v.message, "urn": v.urn, "type": v.resource_type,
                            "name": v.resource_name} for v in self.violations],
            "skipped": [{"policy": s.policy, "urn": s.urn, "reason": s.reason, "kind": s.kind}
                        for s in self.skipped],
            "exemptions": [e.to_json() for e in self.exemptions],
        }

    def summary(self) -> str:
        enabled = sum(1 for lvl in self.levels.values() if lvl != "disabled")
        return (f"{enabled} rules over {self.resources} resources: {len(self.mandatory)} mandatory, "
                f"{len(self.advisory)} advisory violation(s)"
                + (f", {len(self.skipped)} check(s) skipped" if self.skipped else "")
                + (f", {len(self.exempt)} rotation exemption(s) in use" if self.exempt else ""))


# --------------------------------------------------------------------------------------------
# config
# --------------------------------------------------------------------------------------------


def config_path_for(stack: str, profile: str | None = None, project_dir: Path | None = None) -> Path:
    """`policies/config/<stack>.json` of the project (else of groundwork); a stack without its
    own file uses its profile's (dev.json / prod.json)."""
    dirs = [d / "policies" / "config" for d in (project_dir,) if d] + [POLICIES_DIR / "config"]
    for name in (stack, profile):
        for folder in dirs:
            if name and (folder / f"{name}.json").is_file():
                return folder / f"{name}.json"
    raise PolicyConfigError(None, [f"no policy config for stack '{stack}': expected "
                                   f"policies/config/{stack}.json"
                                   + (f" or {profile}.json" if profile else "")])


def load_policy_config(path: Path) -> dict[str, Any]:
    """Read and validate a policy config file (as `--policy-pack-config` takes it)."""
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PolicyConfigError(path, [f"can't read it as JSON: {exc}"]) from None
    problems = validate_policy_config(config)
    if problems:
        raise PolicyConfigError(path, problems)
    return config


def _property_type(rule: Rule | None, prop: str) -> str | None:
    """The JSON-schema type a rule declares for a config property (`integer`, `boolean`)."""
    schema = getattr(rule, "config_schema", None)
    properties = getattr(schema, "properties", None) or {}
    declared = properties.get(prop) if isinstance(properties, dict) else None
    return declared.get("type") if isinstance(declared, dict) else None


def validate_policy_config(config: Any) -> list[str]:
    """What the Pulumi CLI would refuse: unknown policies, levels or properties."""
    if not isinstance(config, dict):
        return ["the file must hold a JSON object of policy name -> level or {enforcementLevel, ...}"]
    known = pack.by_name()
    problems = []
    for name, value in config.items():
        rule = known.get(name)
        if name != "all" and rule is None:
            problems.append(f"{name}: unknown policy; known: all, {', '.join(sorted(known))}")
            continue
        level = value.get("enforcementLevel") if isinstance(value, dict) else value
        if level is not None and level not in LEVELS:
            problems.append(f"{name}: enforcement level {level!r} is not one of {', '.join(LEVELS)}")
        if isinstance(value, dict):
            allowed = set(rule.defaults) if rule else set()
            for prop, setting in value.items():
                if prop == "enforcementLevel":
                    continue
                if prop not in allowed:
                    problems.append(f"{name}.{prop}: unknown property; allowed: "
                                    f"{', '.join(sorted(allowed)) or 'none'}")
                elif _property_type(rule, prop) == "boolean":
                    if not isinstance(setting, bool):
                        problems.append(f"{name}.{prop}: must be true or false (got {setting!r})")
                elif not isinstance(setting, int) or isinstance(setting, bool) or setting < 1:
                    problems.append(f"{name}.{prop}: must be a whole number >= 1 (got {setting!r})")
        elif not isinstance(value, str):
            problems.append(f"{name}: must be a level string or an object")
    return problems


def _level_of(value: Any) -> str | None:
    return value.get("enforcementLevel") if isinstance(value, dict) else value


def effective_levels(config: Mapping[str, Any], rules: Sequence[Rule] | None = None) -> dict[str, str]:
    """Each policy's level: its own entry, else `all`, else its code default, else the pack's."""
    out = {}
    for rule in rules or pack.ALL:
        level = (_level_of(config.get(rule.name)) or _level_of(config.get("all"))
                 or (rule.enforcement_level.value if rule.enforcement_level else None)
                 or pack.DEFAULT_ENFORCEMENT.value)
        out[rule.name] = "mandatory" if level == "remediate" else level
    return out


def policy_properties(config: Mapping[str, Any], rule: Rule) -> dict[str, Any]:
    value = config.get(rule.name)
    own = {k: v for k, v in value.items() if k != "enforcementLevel"} if isinstance(value, dict) else {}
    return {**rule.defaults, **own}


# --------------------------------------------------------------------------------------------
# records -> policy arguments
# --------------------------------------------------------------------------------------------


def _engine_value(value: Any) -> Any:
    """Undo the engine record's display markers: `[unknown]` becomes the wire's unknown."""
    if isinstance(value, dict):
        return {k: _engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_engine_value(v) for v in value]
    return UNKNOWN_STRING_VALUE if value == UNKNOWN else value


def props_of(values: Mapping[str, Any]) -> Any:
    """Plain props as the engine hands them to a policy."""
    return unknown_checking_proxy(deserialize_properties(_engine_value(dict(values))))


def resource_options(record: ResourceRecord | None = None, *, protect: bool = False,
                     parent: str | None = None) -> PolicyResourceOptions:
    if record is not None:
        return PolicyResourceOptions(
            record.protect, list(record.ignore_changes), record.delete_before_replace, [],
            PolicyCustomTimeouts(0, 0, 0), list(record.additional_secret_outputs), record.parent or None)
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def _provider_of(record: ResourceRecord, by_urn: Mapping[str, ResourceRecord],
                 default: PolicyProviderResource | None = None) -> PolicyProviderResource | None:
    if not record.provider:
        # No explicit provider: Pulumi's default aws provider (its region is `aws:region`),
        # which the mocks don't record.
        return default if record.type.startswith("aws:") else None
    provider = by_urn.get(record.provider.rsplit("::", 1)[0])
    if provider is None:
        return None
    return PolicyProviderResource(provider.type, props_of(provider.inputs), provider.urn, provider.name)


def default_provider(region: str) -> PolicyProviderResource:
    """Pulumi's default aws provider as a policy sees it: the stack's `aws:region`."""
    return PolicyProviderResource("pulumi:providers:aws", props_of({"region": region}),
                                  "urn:pulumi:stack::project::pulumi:providers:aws::default", "default")


def stack_resources(records: Sequence[ResourceRecord], *,
                    region: str | None = None) -> list[PolicyResource]:
    """The records as the engine's AnalyzeStack builds them: outputs as props, parents,
    dependencies and property dependencies resolved to the other resources. `region`: the
    default provider's (`aws:region`), for the aws resources created without an explicit
    provider (default none: they have no provider, as the mocks recorded them)."""
    by_urn = {r.urn: r for r in records}
    default = default_provider(region) if region else None
    built = {r.urn: PolicyResource(r.type, props_of(r.outputs or r.inputs), r.urn, r.name,
                                   resource_options(r), _provider_of(r, by_urn, default), None, [], {})
             for r in records}
    for r in records:
        res = built[r.urn]
        res.parent = built.get(r.parent)
        res.dependencies = [built[d] for d in r.depends_on if d in built]
        res.property_dependencies = {k: [built[d] for d in v if d in built]
                                     for k, v in r.property_dependencies.items()}
    return list(built.values())


def _run(result: Any) -> None:
    if inspect.isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def validate_resource(
    rule: ResourceRule,
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "resource",
    urn: str | None = None,
    protect: bool = False,
    provider_props: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """Run one resource rule on plain props (tests: synthetic resources). Returns the messages;
    raises UnknownValueError if the rule needs an unknown value."""
    urn = urn or f"urn:pulumi:test::groundwork::{resource_type}::{name}"
    provider = None
    if provider_props is not None:
        provider = PolicyProviderResource("pulumi:providers:aws", props_of(provider_props),
                                          "urn:pulumi:test::groundwork::pulumi:providers:aws::aws", "aws")
    args = ResourceValidationArgs(resource_type, props_of(props), urn, name,
                                  resource_options(protect=protect), provider,
                                  {**rule.defaults, **(config or {})})
    found: list[str] = []

    def report(message: str, _urn: str | None = None) -> None:
        found.append(message)

    _run(rule.validate(args, report))
    return found


def validate_stack(rule: StackRule, resources: Sequence[PolicyResource],
                   config: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """Run one stack rule; returns (urn, message) pairs."""
    args = StackValidationArgs(list(resources), {**rule.defaults, **(config or {})})
    found: list[tuple[str, str]] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append((urn or "", message))

    _run(rule.validate(args, report))
    return found


def synthetic(resource_type: str, name: str, props: Mapping[str, Any], *, protect: bool = False,
              deps: Mapping[str, Sequence[PolicyResource]] | None = None) -> PolicyResource:
    """A PolicyResource for stack-rule tests (`deps`: property dependencies)."""
    urn = f"urn:pulumi:test::groundwork::{resource_type}::{name}"
    return PolicyResource(resource_type, props_of(props), urn, name, resource_options(protect=protect),
                          None, None, [d for ds in (deps or {}).values() for d in ds],
                          {k: list(v) for k, v in (deps or {}).items()})


# --------------------------------------------------------------------------------------------
# a whole plan
# --------------------------------------------------------------------------------------------


def check_records(records: Sequence[ResourceRecord], config: Mapping[str, Any], *, stack: str = "",
                  config_path: Path | None = None, region: str | None = None) -> CheckResult:
    """Every enabled rule over the records, under `config` (a policy config object). `region`:
    the stack's `aws:region`, the default provider's region (see `stack_resources`)."""
    levels = effective_levels(config)
    result = CheckResult(stack=stack, config_path=config_path, levels=levels,
                         resources=sum(1 for r in records
                                       if r.custom and not r.type.startswith("pulumi:providers:")))
    by_urn = {r.urn: r for r in records}
    custom = [r for r in records if r.custom]
    everything = stack_resources(records, region=region)
    default = default_provider(region) if region else None
    types = {r.urn: (r.type, r.name) for r in records}
    rotation = pack.by_name().get("secretsmanager-rotation")
    if rotation is not None:
        result.exemptions = rotation_exemptions(Stack(everything), policy_properties(config, rotation))

    for rule in pack.ALL:
        level = levels[rule.name]
        if level == "disabled":
            continue
        props_config = policy_properties(config, rule)

        def report(message: str, urn: str | None, rule: Rule = rule, level: str = level,
                   current: str = "") -> None:
            target = urn or current
            kind, name = types.get(target, ("", ""))
            result.violations.append(Violation(rule.name, rule.control, level, message, target, kind, name))

        if isinstance(rule, StackRule):
            try:
                _run(rule.validate(StackValidationArgs(everything, props_config), report))
            except UnknownValueError as exc:
                result.skipped.append(Skipped(rule.name, "", exc.message, "unknown"))
            except _NotApplicableError as exc:
                result.skipped.append(Skipped(rule.name, "", exc.message, "not-applicable"))
            continue
        for record in custom:
            if rule.types and record.type not in rule.types:
                continue
            args = ResourceValidationArgs(record.type, props_of(record.inputs), record.urn, record.name,
                                          resource_options(record), _provider_of(record, by_urn, default),
                                          props_config)

            # A resource rule's violation is about the record being checked, whatever urn it passes.
            def report_resource(message: str, _urn: str | None = None, urn: str = record.urn) -> None:
                report(message, None, current=urn)

            try:
                _run(rule.validate(args, report_resource))
            except UnknownValueError as exc:
                result.skipped.append(Skipped(rule.name, record.urn, exc.message, "unknown"))
            except _NotApplicableError as exc:
                result.skipped.append(Skipped(rule.name, record.urn, exc.message, "not-applicable"))
    return result


def default_config_path(plan: PlanResult, project_dir: Path | None = None) -> Path | None:
    """The policy config a plan is checked with when none is given: groundwork's stacks use
    `config_path_for` (by stack, then by profile); any other program its project's
    `policies/config/<stack>.json`, else None (the pack's defaults)."""
    project_dir = project_dir or plan.project_dir
    if plan.config is not None:
        return config_path_for(plan.stack, plan.config.profile.value, project_dir)
    own = project_dir / "policies" / "config" / f"{plan.stack}.json" if project_dir else None
    return own if own is not None and own.is_file() else None


def check_plan(plan: PlanResult, config_path: Path | None = None,
               project_dir: Path | None = None) -> CheckResult:
    """The rules over a planned stack, with its policy config file (default:
    `default_config_path`). Raises PolicyConfigError for a bad config file."""
    path = config_path or default_config_path(plan, project_dir)
    config = load_policy_config(path) if path is not None else {}
    return check_records(plan.resources, config, stack=plan.stack, config_path=path,
                         region=plan.region)


def report_lines(result: CheckResult) -> list[str]:
    """The violations grouped by rule, as `groundwork check` prints them."""
    rules = pack.by_name()
    lines = []
    for name, found in result.by_rule().items():
        rule = rules[name]
        level = found[0].level
        lines.append(f"{level.upper() if level == 'mandatory' else level} {name} "
                     f"[{rule.control}]: {len(found)} violation(s)")
        lines += [f"  - {v.message}" for v in found]
    lines += exemption_lines(result)
    unknown = [s for s in result.skipped if s.kind == "unknown"]
    if unknown:
        lines.append(f"skipped {len(unknown)} check(s) that need values known only after deploy:")
        lines += [f"  - {s.policy} on {s.urn.rsplit('::', 1)[-1] or 'the stack'}: {s.reason}"
                  for s in unknown]
    unreadable = [s for s in result.skipped if s.kind == "not-applicable"]
    if unreadable:
        lines.append(f"{len(unreadable)} check(s) could not read their input:")
        lines += [f"  - {s.policy} on {s.urn.rsplit('::', 1)[-1] or 'the stack'}: {s.reason}"
                  for s in unreadable]
    return lines


def exemption_lines(result: CheckResult) -> list[str]:
    """The rotation exemptions section: each exempt secret with its reason and expiry, and each
    exemption tag that does not count (the rule reports those secrets too)."""
    if not result.exemptions:
        return []
    lines = [f"rotation exemptions: {len(result.exempt)} in use"
             + (f", {len(result.exemptions) - len(result.exempt)} that do not count"
                if len(result.exempt) < len(result.exemptions) else "")]
    for e in result.exemptions:
        state = f"until {e.until}" if e.counts else f"DOES NOT COUNT: {e.problem}"
        lines.append(f"  - secret '{e.name}': {e.reason or '(no reason)'} ({state})")
    return lines


def markdown_section(result: CheckResult) -> str:
    """The check as Markdown (the plan report's Policy section)."""
    where = f" (`{result.config_path.name}`)" if result.config_path else ""
    out = [f"{result.summary()}{where}.", ""]
    if result.violations:
        out += ["| rule | control | level | resource | problem |", "|---|---|---|---|---|"]
        for name, found in result.by_rule().items():
            for v in found:
                problem = v.message.split(": ", 1)[-1].split(" [", 1)[0]
                out.append(f"| `{name}` | {v.control} | {v.level} | `{v.resource_name}` | {problem} |")
    else:
        out.append("No violations.")
    if result.exemptions:
        out += ["", "Rotation exemptions:", "", "| secret | reason | until | counts |", "|---|---|---|---|"]
        out += [f"| `{e.name}` | {e.reason or '(no reason)'} | {e.until or '-'} | "
                f"{'yes' if e.counts else 'no: ' + e.problem} |" for e in result.exemptions]
    return "\n".join(out)
