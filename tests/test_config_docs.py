"""The generated references (docs/configuration.md, docs/reference/*.md) are up to date, and what
they say is true: every documented default is checked against the model's real default,
computed here without the generator (by validating configs / building the Args)."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

import groundwork.components
import groundwork.stacks.config as config_module
from groundwork.components.args import ArgsModel, ComponentArgs, doc_of
from groundwork.config_docs import discover, render, render_references
from groundwork.stacks.config import Profile, load_environment

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REGENERATE = "regenerate with `make docs` (python -m groundwork.config_docs --write docs)"


def _rows(text: str, heading: str = "###") -> dict[str, list[list[str]]]:
    """Table rows (cells, unescaped) under each `<heading> `title`` of a markdown file."""
    sections: dict[str, list[list[str]]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(rf"^{heading} `([^`]+)`$", line)
        if m:
            current = m.group(1)
            sections[current] = []
        elif current is not None and line.startswith("| `"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            sections[current].append(cells)
    return sections


# --------------------------------------------------------------------------------------------
# docs/configuration.md
# --------------------------------------------------------------------------------------------

def test_every_config_key_has_a_description():
    missing = []
    for name in dir(config_module):
        model = getattr(config_module, name)
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not BaseModel:
            missing += [f"{model.__name__}.{f}" for f in model.model_fields
                        if not doc_of(model, f)]
    assert missing == []


def test_configuration_reference_is_up_to_date():
    assert (DOCS / "configuration.md").read_text() == render(), REGENERATE


def _sample() -> dict[str, Any]:
    """A config that has every section an empty config lacks (the optional sections, items of
    each list and map), each with only what it requires: their other keys take defaults."""
    from groundwork.components.alarm_names import ALARMS

    return {
        "tags": {"Owner": "x"},
        "network": {"tiers": [{"name": "public", "routing": "public"},
                              {"name": "compute", "routing": "private"},
                              {"name": "data", "routing": "isolated"}]},
        "load_balancer": {"certificate": {"arn": "arn:aws:acm:us-east-1:111111111111:certificate/c"}},
        "queues": [{"name": "jobs"}],
        "assets": [{"name": "assets"}],
        "services": [
            {"name": "web", "kind": "web", "image": "example/web:1.0", "port": 8080,
             "smoke_checks": [{}]},
            {"name": "jobs", "kind": "worker", "build": {},
             "scaling": {"queue_metric": {"dimensions": {"QueueName": "jobs"}}}},
        ],
        "edge": {"waf": {"managed_groups": {"AWSManagedRulesCommonRuleSet": {}}}},
        "alarms": {"overrides": {next(iter(ALARMS)): {}},
                   "deploy_notices": {"slack": {"team_id": "T0123ABCD", "channel_id": "C0123ABCD"}}},
        "ci": {"repository": "octo/app"},
    }


def _instances(title: str, base: Any, sample: Any, raw: Any) -> list[tuple[BaseModel, dict[str, Any]]]:
    """The validated objects a section title names, each with the raw keys the config gave it:
    the empty config's object where it has one, else the sample's (list items, map values,
    optional sections)."""
    base_node: Any = base
    nodes: list[tuple[Any, Any]] = [(sample, raw)]
    for seg in title.split(".")[1:]:
        if seg == "*":
            nodes = [(v, (r or {}).get(k, {})) for inst, r in nodes for k, v in inst.items()]
            base_node = None
            continue
        name = seg.removesuffix("[]")
        base_node = getattr(base_node, name, None) if isinstance(base_node, BaseModel) else None
        nodes = [(getattr(inst, name), (r or {}).get(name, {})) for inst, r in nodes
                 if isinstance(inst, BaseModel)]
        if seg.endswith("[]"):
            nodes = [(item, raws[i] if i < len(raws) else {})
                     for inst, r in nodes for raws in [r if isinstance(r, list) else []]
                     for i, item in enumerate(inst)]
            base_node = None
    if isinstance(base_node, BaseModel):
        return [(base_node, {})]
    return [(inst, r) for inst, r in nodes if isinstance(inst, BaseModel)]


def _profile_sets(title: str, key: str) -> bool:
    from groundwork.stacks.config import PROFILE_DEFAULTS, SERVICE_PROFILE_DEFAULTS

    for profile in Profile:
        node: Any = PROFILE_DEFAULTS[profile]
        for seg in [*title.split(".")[1:], key]:
            if seg.endswith("[]") and seg == "services[]":
                node = SERVICE_PROFILE_DEFAULTS[profile]
                continue
            node = node.get(seg.removesuffix("[]")) if isinstance(node, dict) else None
        if node is not None:
            return True
    return False


def _has_model(value: Any) -> bool:
    if isinstance(value, BaseModel):
        return True
    values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return any(isinstance(v, BaseModel) for v in values)


def _documented_vs_actual() -> list[tuple[str, str, str, str, Any, bool]]:
    """(section, key, profile, documented cell, actual value, has a default) for every row of
    the reference, actual values computed from validated configs."""
    rows = _rows((DOCS / "configuration.md").read_text())
    assert len(rows) >= 15, "the reference lost its sections"
    out = []
    for profile, column in ((Profile.PROD, 2), (Profile.DEV, 3)):
        base = load_environment({"profile": profile.value, "tags": {"Owner": "x"}}, stack=profile.value)
        raw = _sample()
        sample = load_environment({"profile": profile.value, **raw}, stack=profile.value)
        for title, table in rows.items():
            candidates = _instances(title, base, sample, raw)
            assert candidates, f"{title}: no validated object has this section"
            model = type(candidates[0][0])
            documented = {cells[0].strip("`") for cells in table}
            assert documented == set(model.model_fields) - {"stack", "region"}, title
            for cells in table:
                key = cells[0].strip("`")
                info = model.model_fields[key]
                given = next(((inst, r) for inst, r in candidates if key not in r), None)
                if given is None and info.is_required():
                    out.append((title, key, profile.value, cells[column], None, False))
                    continue
                if given is None:
                    # Every valid config sets it (a load balancer's certificate, in prod):
                    # the declared default, which no profile may change.
                    assert _profile_sets(title, key) is False, f"{title}.{key}"
                    out.append((title, key, profile.value, cells[column],
                                info.get_default(call_default_factory=True), True))
                    continue
                out.append((title, key, profile.value, cells[column], getattr(given[0], key),
                            not info.is_required()))
    return out


def test_every_documented_default_is_the_models_real_default():
    checked, wrong = 0, []
    for title, key, profile, cell, actual, has_default in _documented_vs_actual():
        if not has_default:
            ok = cell == "**required**"
        elif cell == "(see below)":
            ok = _has_model(actual)
        else:
            m = re.fullmatch(r"`(.*)`", cell)
            ok = m is not None and json.loads(m.group(1)) == to_jsonable_python(actual)
        checked += 1
        if not ok:
            wrong.append(f"{title}.{key} ({profile}): documented {cell}, actual "
                         f"{json.dumps(to_jsonable_python(actual), default=str)}")
    assert checked >= 250
    assert wrong == [], REGENERATE


def test_no_key_with_a_default_is_documented_as_null():
    nulls = [(t, k, p) for t, k, p, cell, actual, has_default in _documented_vs_actual()
             if cell == "`null`" and (actual is not None or not has_default)]
    assert nulls == []


def test_the_dev_column_shows_what_the_dev_profile_changes():
    """Hand-picked: the dev profile's own values, in the sections an empty config has, lacks
    (the load balancer) and in list items (services)."""
    table = {(t, k, p): cell for t, k, p, cell, _, _ in _documented_vs_actual()}
    assert table[("groundwork.database", "multi_az", "prod")] == "`true`"
    assert table[("groundwork.database", "multi_az", "dev")] == "`false`"
    assert table[("groundwork.load_balancer", "deletion_protection", "dev")] == "`false`"
    assert table[("groundwork.load_balancer", "access_log_retention_days", "dev")] == "`14`"
    assert table[("groundwork.services[].scaling", "min_count", "prod")] == "`2`"
    assert table[("groundwork.services[].scaling", "min_count", "dev")] == "`1`"
    assert table[("groundwork.services[]", "spot", "dev")] == "`true`"
    assert table[("groundwork.network.tiers[]", "prefix_length", "dev")] == "`24`"


# --------------------------------------------------------------------------------------------
# docs/reference/<component>.md
# --------------------------------------------------------------------------------------------

def _args_classes_in_source() -> set[str]:
    """`*Args` classes defined in components/ that subclass ComponentArgs, found by reading the
    source files (not by the generator's discovery)."""
    found = set()
    for path in sorted((ROOT / "components").rglob("*.py")):
        module_name = "groundwork.components." + ".".join(
            path.relative_to(ROOT / "components").with_suffix("").parts).removesuffix(".__init__")
        for name in re.findall(r"^class ([A-Za-z]\w*Args)\(", path.read_text(), flags=re.M):
            cls = getattr(importlib.import_module(module_name), name)
            if issubclass(cls, ComponentArgs) and cls is not ComponentArgs:
                found.add(name)
    return found


def test_discovery_finds_every_component_and_its_args():
    docs = discover()
    assert {d.args.__name__ for d in docs} == _args_classes_in_source()
    assert {d.args.__name__ for d in docs} >= {"PostgresDatabaseArgs", "NetworkArgs"}
    assert [d.args.__name__ for d in docs if d.component is None] == []
    for d in docs:
        assert d.component is not None and d.args.__name__ == f"{d.component.__name__}Args"


def test_component_references_are_up_to_date():
    files = render_references()
    on_disk = {p.name: p.read_text() for p in (DOCS / "reference").glob("*.md")}
    assert set(on_disk) == set(files), REGENERATE
    stale = [name for name, text in files.items() if on_disk[name] != text]
    assert stale == [], REGENERATE


def _models_of(args: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The Args class and every settings model its fields hold, by name."""
    import typing

    out: dict[str, type[BaseModel]] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, ArgsModel):
            if annotation.__name__ not in out and not (
                    issubclass(annotation, ComponentArgs) and annotation is not args):
                out[annotation.__name__] = annotation
                for f in annotation.model_fields.values():
                    visit(f.annotation)
            return
        for a in typing.get_args(annotation):
            visit(a)

    visit(args)
    return out


def _documented_models() -> list[tuple[str, type[BaseModel]]]:
    return [(name, model) for d in discover() for name, model in _models_of(d.args).items()]


def test_every_args_field_has_a_description_that_states_its_default():
    """Every field of every Args (and the settings models they hold) has a docstring that says
    its default ("default ...", or "required" for one the component can't do without)."""
    bad = []
    for label, model in _documented_models():
        for name, info in model.model_fields.items():
            text = doc_of(model, name).lower()
            # A connection the component can't do without defaults to None and says
            # "required" (the component refuses None, naming the field).
            required = info.is_required() or info.get_default(call_default_factory=True) in (None, "")
            ok = "default" in text or (required and "required" in text)
            if not ok:
                bad.append(f"{label}.{name}: {doc_of(model, name)!r}")
    assert bad == []


def _actual_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """A model's defaults as a built object has them (validators included) where it can be
    built from nothing, else each field's declared default."""
    try:
        built = model()
        return {k: getattr(built, k) for k in model.model_fields}
    except Exception:  # a model with required fields (a tier needs a name)
        return {k: info.get_default(call_default_factory=True) for k, info in model.model_fields.items()
                if not info.is_required()}


def test_every_documented_args_default_evaluates_to_the_real_default():
    """Each default cell is Python: evaluated in the model's module, it equals what the Args
    really hold, so a user can copy it."""
    checked, wrong = 0, []
    for d in discover():
        page = (DOCS / "reference" / f"{d.slug}.md").read_text()
        models = _models_of(d.args)
        # The Args section runs to the next `## ` heading; its nested models are `### ` parts.
        args_text = page.split(f"## Args: `{d.args.__name__}`", 1)[1].split("\n## ", 1)[0]
        tables = _rows(f"### `{d.args.__name__}`\n{args_text}", heading="###")
        assert set(tables) == set(models), f"{d.slug}: documents {sorted(tables)}"
        for model_name, rows in tables.items():
            model = models[model_name]
            defaults = _actual_defaults(model)
            namespace = {**vars(importlib.import_module(model.__module__)),
                         **vars(groundwork.components)}
            assert {r[0].strip("`") for r in rows} == set(model.model_fields), f"{d.slug}: {model_name}"
            for cells in rows:
                key, cell = cells[0].strip("`"), cells[2]
                checked += 1
                if model.model_fields[key].is_required():
                    if cell != "**required**":
                        wrong.append(f"{model_name}.{key}: required, documented {cell}")
                    continue
                try:
                    value = eval(cell.strip("`"), namespace)
                except Exception as exc:
                    wrong.append(f"{model_name}.{key}: {cell} does not evaluate ({exc})")
                    continue
                if value != defaults[key]:
                    wrong.append(f"{model_name}.{key}: documented {cell}, actual {defaults[key]!r}")
    assert checked >= 100
    assert wrong == [], REGENERATE


def test_reference_pages_list_the_outputs_of_the_component():
    page = (DOCS / "reference" / "postgres-database.md").read_text()
    outputs = page.split("## Outputs", 1)[1]
    for name in ("identifier", "address", "port", "secret_arn", "security_group_id"):
        assert f"| `{name}` |" in outputs
    assert "allow_from(" in page.split("## Methods", 1)[1]
