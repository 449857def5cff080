"""The configuration reference is generated from the models and must match them."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

import groundwork.stacks.config as config_module
from groundwork.config_docs import render

ROOT = Path(__file__).resolve().parent.parent


def test_every_config_key_has_a_description():
    missing = []
    for name in dir(config_module):
        model = getattr(config_module, name)
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not BaseModel:
            missing += [f"{model.__name__}.{f}" for f, info in model.model_fields.items()
                        if not info.description]
    assert missing == []


def test_reference_is_up_to_date():
    """Regenerate with `.venv/bin/python -m groundwork.config_docs > docs/configuration.md`."""
    assert (ROOT / "docs" / "configuration.md").read_text() == render()
