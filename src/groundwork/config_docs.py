"""Render the reference docs from the code, so they can't drift from it (tests compare the files
with this output and the documented defaults with the models' real ones):

- `docs/configuration.md`: every key of a stack's `groundwork:` namespace with its type, its
  real prod and dev default and its description (the field's docstring). Defaults come from
  validating an empty config under each profile; a section an empty config doesn't have (an
  optional section, the items of a list or a map) shows its fields' defaults under the
  profile's own defaults for it (`PROFILE_DEFAULTS`, `SERVICE_PROFILE_DEFAULTS`).
- `docs/reference/<component>.md`: each component's Args (field, type as written in the
  source, default, description) and its outputs, attributes and methods, for every
  `<Component>Args` (a `ComponentArgs` subclass) found in the `groundwork.components` modules;
  `docs/reference/README.md` lists them.

    .venv/bin/python -m groundwork.config_docs --write docs      # all of it (make docs)
    .venv/bin/python -m groundwork.config_docs                   # configuration.md to stdout
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import enum
import importlib
import inspect
import json
import pkgutil
import re
import sys
import textwrap
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from groundwork.components.args import field_docstring

HIDDEN = {"stack", "region"}
"""EnvironmentConfig fields the loader fills from the stack, not from config."""

GENERATED_BY = "python -m groundwork.config_docs --write docs"


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------

def _first_paragraph(model: type) -> str:
    """A class's own docstring (or its nearest documented base's, short of pydantic's), first
    paragraph, on one line."""
    for klass in model.__mro__:
        if klass in (BaseModel, object):
            break
        doc = klass.__dict__.get("__doc__")
        if doc:
            para = inspect.cleandoc(doc).split("\n\n", 1)[0]
            return " ".join(para.split())
    return ""


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (`X | None`, `list[X]`, `dict[str, X]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _container(annotation: Any) -> str | None:
    """`list` / `dict` when the annotation holds its model in a list or a map (items are
    documented as `name[]` / `name.*`)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _container(arg)
            if found:
                return found
        return None
    if origin in (list, tuple, Sequence):
        return "list"
    if origin in (dict, Mapping):
        return "dict"
    return None


def _default(info: Any) -> Any:
    """A field's default value (its default factory called)."""
    try:
        return info.get_default(call_default_factory=True, validated_data={})
    except TypeError:  # pragma: no cover - pydantic < 2.10
        return info.get_default(call_default_factory=True)


# --------------------------------------------------------------------------------------------
# docs/configuration.md
# --------------------------------------------------------------------------------------------

def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(str(a) for a in args)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in args if a is not type(None)) + " (optional)"
    if origin in (list, dict, tuple):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in args)}]"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "object"
        return annotation.__name__
    return str(annotation)


def _has_model(value: Any) -> bool:
    if isinstance(value, BaseModel):
        return True
    if isinstance(value, (list, tuple)) and value:
        return any(isinstance(v, BaseModel) for v in value)
    if isinstance(value, Mapping) and value:
        return any(isinstance(v, BaseModel) for v in value.values())
    return False


def _show(value: Any) -> str:
    """A config value as the YAML/JSON a user would write, or `(see below)` for a section."""
    if _has_model(value):
        return "(see below)"
    if isinstance(value, enum.Enum):
        value = value.value
    return f"`{json.dumps(value, default=str)}`"


@dataclass
class _Values:
    """Where a section's values come from: the validated instance under a profile, or (when
    an empty config has no instance of it) the fields' defaults under `overlay`, the raw
    defaults the profile sets for that section."""

    instance: BaseModel | None
    overlay: Mapping[str, Any] = field(default_factory=dict)

    def value(self, model: type[BaseModel], name: str) -> Any:
        if self.instance is not None:
            return getattr(self.instance, name)
        raw = self.overlay.get(name)
        if name in self.overlay and not isinstance(raw, Mapping):
            return raw
        return _default(model.model_fields[name])

    def child(self, name: str, value: Any, container: str | None, item_overlay: Mapping[str, Any]
              ) -> _Values:
        """The values of the section under field `name` (whose value is `value`)."""
        if container is not None:
            return _Values(None, item_overlay)
        if self.instance is not None and isinstance(value, BaseModel):
            return _Values(value)  # validated under the profile already
        raw = self.overlay.get(name)
        return _Values(None, raw if isinstance(raw, Mapping) else {})


def _defaults(profile: Any) -> Any:
    """An empty config under a profile: every value is that profile's default."""
    from groundwork.stacks.config import load_environment

    return load_environment({"profile": profile.value, "tags": {"Owner": "x"}}, stack=profile.value)


def _item_overlays(profile: Any) -> dict[str, Mapping[str, Any]]:
    """Raw defaults a profile applies under each item of a list section (by section path)."""
    from groundwork.stacks.config import SERVICE_PROFILE_DEFAULTS

    return {"services": SERVICE_PROFILE_DEFAULTS[profile]}


def _section(path: str, title: str, model: type[BaseModel], prod: _Values, dev: _Values,
             out: list[str], seen: set[type[BaseModel]], items: tuple[dict[str, Any], ...]) -> None:
    out += [f"### `{title}`", "", _first_paragraph(model), "",
            "| key | type | prod default | dev default | description |", "|---|---|---|---|---|"]
    nested: list[tuple[str, str, type[BaseModel], _Values, _Values]] = []
    for name, info in model.model_fields.items():
        if name in HIDDEN:
            continue
        p, d = prod.value(model, name), dev.value(model, name)
        if info.is_required():
            p_show = d_show = "**required**"
        else:
            p_show, d_show = _show(p), _show(d)
        desc = _cell(field_docstring(model, name))
        out.append(f"| `{name}` | {_type_name(info.annotation)} | {p_show} | {d_show} | {desc} |")
        sub = _model_in(info.annotation)
        if sub is not None and sub not in seen:
            seen.add(sub)
            container = _container(info.annotation)
            sub_path = f"{path}.{name}" if path else name
            suffix = {"list": "[]", "dict": ".*"}.get(container or "", "")
            nested.append((sub_path, f"{title}.{name}{suffix}", sub,
                           prod.child(name, p, container, items[0].get(sub_path, {})),
                           dev.child(name, d, container, items[1].get(sub_path, {}))))
    out.append("")
    for sub_path, sub_title, sub, sp, sd in nested:
        _section(sub_path, sub_title, sub, sp, sd, out, seen, items)


def render() -> str:
    """docs/configuration.md."""
    from groundwork.stacks.config import NAMESPACE, PROFILE_DEFAULTS, EnvironmentConfig, Profile

    prod, dev = _defaults(Profile.PROD), _defaults(Profile.DEV)
    out = [
        "# Configuration reference",
        "",
        f"Every key lives in the `{NAMESPACE}:` namespace of `Pulumi.<stack>.yaml`. Keys are snake_case;",
        "unknown keys are refused with a suggestion; each problem is reported as one line naming the",
        f"full key (`{NAMESPACE}:network.az_count`) before any resource exists. `profile` picks the",
        "defaults: the prod column is the field default, the dev column what the dev profile makes",
        "of it. `name[]` sections describe each item of a list, `name.*` each value of a map; their",
        "columns are what an item gets for a key it doesn't set. Encryption, private placement and",
        "least privilege are not keys at all: no profile can turn them off. The component settings",
        "these sections extend are in the [component reference](reference/README.md). Generated",
        f"from `stacks/config/` by `{GENERATED_BY}` (`make docs`); a test checks every default.",
        "",
    ]
    seen: set[type[BaseModel]] = {EnvironmentConfig}
    _section("", NAMESPACE, EnvironmentConfig,
             _Values(prod, PROFILE_DEFAULTS[Profile.PROD]), _Values(dev, PROFILE_DEFAULTS[Profile.DEV]),
             out, seen, (_item_overlays(Profile.PROD), _item_overlays(Profile.DEV)))
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------------------
# docs/reference/<component>.md
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Documented:
    """One component and its Args class."""

    component: type | None
    """The `pulumi.ComponentResource` that takes the Args (None if no class of the module
    does)."""
    args: type[BaseModel]

    @property
    def title(self) -> str:
        return self.component.__name__ if self.component else self.args.__name__.removesuffix("Args")

    @property
    def slug(self) -> str:
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", self.title).lower()

    @property
    def module(self) -> str:
        return self.args.__module__


def _component_of(module: types.ModuleType, args: type) -> type | None:
    import pulumi

    def is_component(obj: Any) -> bool:
        return (isinstance(obj, type) and issubclass(obj, pulumi.ComponentResource)
                and obj.__module__ == module.__name__)

    named = getattr(module, args.__name__.removesuffix("Args"), None)
    if is_component(named):
        return named
    for obj in vars(module).values():
        if is_component(obj):
            annotation = inspect.signature(obj.__init__).parameters.get("args")
            if annotation is not None and args.__name__ in str(annotation.annotation):
                return obj
    return None


def discover() -> list[Documented]:
    """Every `<Component>Args` (a `ComponentArgs` subclass named `*Args`) defined in a
    `groundwork.components` module, with the component that takes it, by component name."""
    import groundwork.components as package
    from groundwork.components.args import ComponentArgs

    found: dict[type, Documented] = {}
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(info.name)
        for obj in list(vars(module).values()):
            if (isinstance(obj, type) and obj.__name__.endswith("Args")
                    and not obj.__name__.startswith("_") and obj is not ComponentArgs
                    and issubclass(obj, ComponentArgs) and obj.__module__ == module.__name__):
                found[obj] = Documented(_component_of(module, obj), obj)
    return sorted(found.values(), key=lambda d: d.title)


def py_value(value: Any) -> str:
    """A default as Python source (what you would pass)."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        given = [f"{k}={py_value(getattr(value, k))}" for k, info in fields.items()
                 if getattr(value, k) != _default(info)]
        return f"{type(value).__name__}({', '.join(given)})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return repr(value)
    if isinstance(value, list):
        return f"[{', '.join(py_value(v) for v in value)}]"
    if isinstance(value, tuple):
        return f"({', '.join(py_value(v) for v in value)}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_value(k)}: {py_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (frozenset, set)):
        return f"{{{', '.join(sorted(py_value(v) for v in value))}}}" if value else "set()"
    return repr(value)


def _defining_class(model: type[BaseModel], name: str) -> type:
    for klass in model.__mro__:
        if name in inspect.get_annotations(klass):
            return klass
    return model  # pragma: no cover - pydantic only has annotated fields


def _args_table(model: type[BaseModel], out: list[str], nested: list[type[BaseModel]]) -> None:
    from groundwork.components.args import ArgsModel, ComponentArgs, annotation_of, doc_of

    groups: dict[type, list[str]] = {}
    for name in model.model_fields:
        groups.setdefault(_defining_class(model, name), []).append(name)
    order = sorted(groups, key=lambda k: (k is ComponentArgs, k is not model))
    for klass in order:
        if len(order) > 1:
            what = ("every component's" if klass is ComponentArgs
                    else "what it connects to and names" if issubclass(klass, ComponentArgs)
                    else "settings")
            out += [f"#### From `{klass.__name__}` ({what})", ""]
            if klass is not model and _first_paragraph(klass):
                out += [_first_paragraph(klass), ""]
        out += ["| field | type | default | description |", "|---|---|---|---|"]
        for name in groups[klass]:
            info = model.model_fields[name]
            default = "**required**" if info.is_required() else f"`{_cell(py_value(_default(info)))}`"
            out.append(f"| `{name}` | `{_cell(annotation_of(model, name))}` | {default} | "
                       f"{_cell(doc_of(model, name))} |")
            sub = _model_in(info.annotation)
            if (sub is not None and issubclass(sub, ArgsModel) and not issubclass(sub, ComponentArgs)
                    and sub not in nested and sub is not model):
                nested.append(sub)
        out.append("")


# -- outputs, attributes and methods, read from the component's source ------------------------

@dataclass
class _Attribute:
    annotation: str = ""
    doc: str = ""


@dataclass
class _Source:
    """What the component's class body says about its outputs."""

    attributes: dict[str, _Attribute] = field(default_factory=dict)
    outputs: list[tuple[str, str, str]] = field(default_factory=list)
    """(output key, value expression, condition) of `register_outputs`."""
    outputs_class: str | None = None
    """The class of `self.outputs` (a typed outputs object), if any."""
    type_token: str | None = None


def _class_node(cls: type) -> ast.ClassDef | None:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # pragma: no cover - no source (compiled)
        return None
    node = ast.parse(source).body[0]
    return node if isinstance(node, ast.ClassDef) else None


def _docstring_after(body: list[ast.stmt], index: int) -> str:
    if index + 1 < len(body):
        nxt = body[index + 1]
        if (isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)):
            return " ".join(inspect.cleandoc(nxt.value.value).split())
    return ""


def _dict_keys(node: ast.expr, condition: str, out: list[tuple[str, str, str]]) -> None:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:  # **spread: its keys, under its condition
                inner, cond = value, condition
                if isinstance(inner, ast.IfExp):
                    cond = ast.unparse(inner.test)
                    inner = inner.body
                _dict_keys(inner, cond, out)
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                out.append((key.value, ast.unparse(value), condition))
    elif isinstance(node, ast.DictComp):
        out.append(("*", ast.unparse(node), condition))


def _read_source(cls: type) -> _Source:
    src = _Source()
    node = _class_node(cls)
    if node is None:
        return src

    def self_attr(target: ast.expr) -> str | None:
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == "self"):
            return target.attr
        return None

    def note(name: str, annotation: ast.expr | None, value: ast.expr | None, doc: str) -> None:
        attr = src.attributes.setdefault(name, _Attribute())
        if annotation is not None and not attr.annotation:
            attr.annotation = ast.unparse(annotation)
        attr.doc = attr.doc or doc
        if (name == "outputs" and isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and src.outputs_class is None):
            src.outputs_class = value.func.id

    def walk(body: list[ast.stmt], in_class: bool) -> None:
        """Attributes: class-level annotations and `self.x[: T] = ...` in any method, each with
        the docstring under it."""
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.AnnAssign):
                name = (stmt.target.id if in_class and isinstance(stmt.target, ast.Name)
                        else self_attr(stmt.target))
                if name:
                    note(name, stmt.annotation, stmt.value, _docstring_after(body, i))
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    name = self_attr(target)
                    if name:
                        note(name, None, stmt.value, _docstring_after(body, i))
            for block in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, block, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    walk(inner, False)

    walk(node.body, True)
    for call in ast.walk(node):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        if call.func.attr == "register_outputs" and call.args:
            _dict_keys(call.args[0], "", src.outputs)
        if (call.func.attr == "__init__" and isinstance(call.func.value, ast.Call)
                and isinstance(call.func.value.func, ast.Name) and call.func.value.func.id == "super"
                and call.args and isinstance(call.args[0], ast.Constant) and src.type_token is None):
            src.type_token = str(call.args[0].value)
    if src.outputs_class is None and src.attributes.get("outputs", _Attribute()).annotation:
        src.outputs_class = src.attributes["outputs"].annotation
    return src


def _fields_of(cls: type) -> list[tuple[str, str, str]]:
    """(field, annotation, docstring) of a dataclass or model, from its source."""
    node = _class_node(cls)
    if node is None:
        return []
    out = []
    for i, stmt in enumerate(node.body):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            out.append((stmt.target.id, ast.unparse(stmt.annotation), _docstring_after(node.body, i)))
    return out


class _SourceText:
    """An annotation written as a string, shown without quotes in a signature."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _signature(func: Any) -> str:
    """`(a: int, b: str = 'x') -> None` as the source writes it, without `self`."""
    sig = inspect.signature(func)

    def raw(annotation: Any) -> Any:
        return _SourceText(annotation) if isinstance(annotation, str) else annotation

    params = [p.replace(annotation=raw(p.annotation)) for p in sig.parameters.values()
              if p.name != "self"]
    return str(sig.replace(parameters=params, return_annotation=raw(sig.return_annotation)))


def _methods(cls: type) -> list[tuple[str, str]]:
    out = []
    for name, member in vars(cls).items():
        if name.startswith("_") or not callable(member) or isinstance(member, type):
            continue
        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        try:
            signature = _signature(func)
        except (TypeError, ValueError):  # pragma: no cover
            signature = "(...)"
        doc = " ".join((inspect.getdoc(func) or "").split("\n\n", 1)[0].split())
        out.append((f"{name}{signature}", doc))
    return out


def _outputs(doc: Documented, out: list[str]) -> None:
    cls = doc.component
    if cls is None:
        return
    src = _read_source(cls)
    module = sys.modules[cls.__module__]
    outputs_cls = getattr(module, src.outputs_class, None) if src.outputs_class else None
    typed = ({name: _Attribute(annotation, fdoc) for name, annotation, fdoc in _fields_of(outputs_cls)}
             if isinstance(outputs_cls, type) else {})
    out += ["## Outputs", ""]
    if src.outputs:
        out += ["Registered with `register_outputs` (the Pulumi state shows them under the",
                "component) and read as attributes of the same name unless said otherwise:", "",
                "| output | type | description |", "|---|---|---|"]
        for key, value, condition in src.outputs:
            if key == "*":
                out.append(f"| one per key | | `{_cell(value)}` |")
                continue
            attr = _Attribute()
            m = re.fullmatch(r"self\.(outputs\.)?(\w+)", value)
            if m:
                attr = (typed if m.group(1) else src.attributes).get(m.group(2), _Attribute())
            description = attr.doc
            if value != f"self.{key}":
                description = f"`{value}`" + (f": {description}" if description else "")
            if condition:
                description = f"Only when `{condition}`. {description}".strip()
            shown = f"`{_cell(attr.annotation)}`" if attr.annotation else ""
            out.append(f"| `{key}` | {shown} | {_cell(description)} |")
        out.append("")
    if isinstance(outputs_cls, type):
        out += [f"`outputs`: `{outputs_cls.__name__}`. {_first_paragraph(outputs_cls)}", "",
                "| field | type | description |", "|---|---|---|"]
        for name, attr in typed.items():
            out.append(f"| `{name}` | `{_cell(attr.annotation)}` | {_cell(attr.doc)} |")
        out.append("")
    registered = {value.removeprefix("self.") for _, value, _ in src.outputs}
    public = {k: v for k, v in src.attributes.items()
              if not k.startswith("_") and k not in registered and k not in {"outputs", "args"}
              and v.annotation}
    if public:
        out += ["Other attributes:", "", "| attribute | type | description |", "|---|---|---|"]
        for name, attr in public.items():
            out.append(f"| `{name}` | `{_cell(attr.annotation)}` | {_cell(attr.doc)} |")
        out.append("")
    if not src.outputs and outputs_cls is None and not public:
        out += ["None registered.", ""]
    methods = _methods(cls)
    if methods:
        out += ["## Methods", ""]
        out += [f"- `{_cell(sig)}`" + (f": {doc}" if doc else "") for sig, doc in methods]
        out.append("")


def _import_line(doc: Documented) -> str:
    import groundwork.components as package

    names = [n for n in (doc.title if doc.component else None, doc.args.__name__) if n]
    public = all(getattr(package, n, None) is getattr(sys.modules[doc.module], n) for n in names)
    where = package.__name__ if public else doc.module
    return f"from {where} import {', '.join(names)}"


def render_component(doc: Documented) -> str:
    """docs/reference/<slug>.md of one component."""
    out = [f"# `{doc.title}`", "",
           f"<!-- Generated from {doc.module} by `{GENERATED_BY}`",
           "(make docs): edit the docstrings, not this file. -->", ""]
    if doc.component is not None:
        out += [_first_paragraph(doc.component), ""]
        src = _read_source(doc.component)
        signature = _signature(doc.component).removesuffix(" -> None")
        out += ["```python", _import_line(doc), "", f"{doc.title}{signature}", "```", ""]
        if src.type_token:
            out += [f"Pulumi type token: `{src.type_token}`.", ""]
    else:
        out += ["```python", _import_line(doc), "```", ""]
    out += [f"## Args: `{doc.args.__name__}`", "", _first_paragraph(doc.args), ""]
    nested: list[type[BaseModel]] = []
    _args_table(doc.args, out, nested)
    i = 0
    while i < len(nested):  # nested models (e.g. a tier of a network), each once
        sub = nested[i]
        out += [f"### `{sub.__name__}`", "", _first_paragraph(sub), ""]
        _args_table(sub, out, nested)
        i += 1
    _outputs(doc, out)
    return "\n".join(out).rstrip() + "\n"


def render_index(docs: list[Documented]) -> str:
    out = ["# Component reference", "",
           "One page per component: its Args (field, type as written in the source, default,",
           "description) and its outputs. See [the library guide](../library.md) for how to use",
           f"them. Generated by `{GENERATED_BY}` (`make docs`).", "",
           "| component | Args | module | what |", "|---|---|---|---|"]
    for d in docs:
        what = _first_paragraph(d.component) if d.component else _first_paragraph(d.args)
        out.append(f"| [`{d.title}`]({d.slug}.md) | `{d.args.__name__}` | `{d.module}` | "
                   f"{_cell(what)} |")
    return "\n".join(out) + "\n"


def render_references() -> dict[str, str]:
    """File name (under docs/reference/) -> content."""
    docs = discover()
    files = {f"{d.slug}.md": render_component(d) for d in docs}
    files["README.md"] = render_index(docs)
    return files


def write(docs_dir: Path) -> list[Path]:
    """Write configuration.md, outputs.md and reference/*.md under `docs_dir`, removing reference pages of
    components that no longer exist. Returns the files that changed."""
    changed: list[Path] = []

    def put(path: Path, text: str) -> None:
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)

    put(docs_dir / "configuration.md", render())
    from groundwork.stacks.outputs import outputs_reference

    put(docs_dir / "outputs.md", outputs_reference())
    policies = docs_dir / "policies.md"
    if policies.exists():
        put(policies, render_controls(policies.read_text()))
    files = render_references()
    reference = docs_dir / "reference"
    for name, text in files.items():
        put(reference / name, text)
    for stale in reference.glob("*.md"):
        if stale.name not in files:
            stale.unlink()
            changed.append(stale)
    return changed


def render_controls(policies_md: str) -> str:
    """docs/policies.md with its control table regenerated from the catalog and the pack."""
    from groundwork import controls
    from groundwork.check import POLICIES_DIR, effective_levels, load_policy_config
    from groundwork.policies import rules

    levels = {env: effective_levels(load_policy_config(POLICIES_DIR / "config" / f"{env}.json"))
              for env in ("dev", "prod")}
    table = controls.standings(rules.ALL, levels["dev"], levels["prod"])
    section = policies_md.partition("\n## Tested evasions\n")[2].split("\n## ", 1)[0]
    evidenced = re.findall(r"^- `([a-z0-9-]+)`", section, flags=re.MULTILINE)
    return controls.splice(policies_md, controls.render(table, evidenced))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m groundwork.config_docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", metavar="DOCS_DIR", type=Path,
                        help="write configuration.md and reference/*.md under DOCS_DIR")
    ns = parser.parse_args(argv)
    if ns.write is None:
        print(render(), end="")
        return 0
    for path in write(ns.write):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
