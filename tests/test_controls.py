"""The control catalog (src/groundwork/controls.py) and the policy pack hold each other: every
checkable control is enforced by rules that are mandatory in prod, unless the catalog states a
deviation; every control a rule names exists; the counts the docs and README print are computed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from groundwork import controls
from groundwork.check import POLICIES_DIR, effective_levels, load_policy_config
from groundwork.config_docs import render_controls
from groundwork.policies import rules

ROOT = Path(__file__).resolve().parent.parent
LEVELS = {env: effective_levels(load_policy_config(POLICIES_DIR / "config" / f"{env}.json"))
          for env in ("dev", "prod")}
TABLE = controls.standings(rules.ALL, LEVELS["dev"], LEVELS["prod"])


def test_catalog_ids_are_unique_and_statuses_known():
    ids = [c.id for c in controls.CONTROLS]
    assert len(ids) == len(set(ids))
    assert {c.status for c in controls.CONTROLS} <= {controls.ENFORCED, controls.RUNTIME, controls.DEVIATION}
    assert {c.standard for c in controls.CONTROLS} <= {"FSBP", "CIS", "NIST", "groundwork"}
    for c in controls.CONTROLS:
        if c.status != controls.ENFORCED:
            assert len(c.note) > 30, f"{c.id}: a {c.status} control says why"


def test_every_rule_names_catalogued_controls():
    for rule in rules.ALL:
        assert controls.control_ids(rule.control), f"{rule.name}: {rule.control!r} names no known control"
        assert controls.unknown_ids(rule.control) == [], (rule.name, rule.control)


@pytest.mark.parametrize("standing", [s for s in TABLE if s.control.status == controls.ENFORCED],
                         ids=lambda s: s.control.id)
def test_every_enforced_control_has_rules_mandatory_in_prod(standing):
    assert standing.rules, f"{standing.control.id} is marked enforced but no rule names it"
    assert standing.prod == "mandatory", (standing.control.id, standing.rules)


def test_deviations_and_runtime_controls_have_no_mandatory_rule_claiming_them():
    """A control can't be both a stated deviation and silently enforced (or the reverse)."""
    for s in TABLE:
        if s.control.status == controls.RUNTIME:
            assert not s.rules, f"{s.control.id} is runtime-only but {s.rules} claim it"
        if s.control.status == controls.DEVIATION:
            assert s.prod != "mandatory", f"{s.control.id} is a deviation yet mandatory in prod"


def test_every_fsbp_control_a_preview_can_judge_is_enforced_or_a_stated_deviation():
    fsbp = [s for s in TABLE if s.control.standard == "FSBP" and s.control.checkable]
    assert len(fsbp) >= 66  # the issue counted 66 applicable and checkable ones: not an empty loop
    unexplained = [s.control.id for s in fsbp
                   if s.control.status != controls.DEVIATION and s.prod != "mandatory"]
    assert unexplained == []


def test_control_ids_parse_rule_fields():
    assert controls.control_ids("EC2.18/EC2.19") == ["EC2.18", "EC2.19"]
    assert controls.control_ids("RDS.2") == ["RDS.2"]  # not RDS.20-25
    assert controls.unknown_ids("EC2.999") == ["EC2.999"]


def test_the_docs_table_is_generated_and_current():
    doc = (ROOT / "docs" / "policies.md").read_text()
    assert render_controls(doc) == doc, "regenerate with `make docs`"
    for s in TABLE:
        assert f"| {s.control.id} | {s.control.standard} |" in doc


def test_readme_states_the_enforced_count():
    n = controls.counts(TABLE)
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"(\d+) of (\d+) checkable (?:security )?controls", readme)
    assert match, "README states the count of enforced controls"
    assert (int(match[1]), int(match[2])) == (n.enforced, n.checkable)
