"""The rule catalogue is consistent with the checks that use it."""

from __future__ import annotations

import pytest

from schemas.inputs import KeuanganRow, KinerjaRow
from schemas.reference_models import MODEL
from schemas.rules import CEK, RULES, SARAN

MODELS = [KeuanganRow, KinerjaRow, *MODEL.values()]


def check_names(model) -> set[str]:
    """pandera model -> the names of its custom checks (columns and whole frame)."""
    schema = model.to_schema()
    names = {c.name for column in schema.columns.values() for c in column.checks}
    return names | {c.name for c in schema.checks}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_check_of_every_model_has_a_message(model):
    custom = {n for n in check_names(model) if n[:1] in "VR"}
    assert custom, f"{model.__name__} declares no rule checks"
    assert custom <= set(CEK), custom - set(CEK)


def test_every_message_belongs_to_a_known_rule():
    assert {aturan for aturan, _ in CEK.values()} <= set(RULES)


def test_every_special_advice_belongs_to_a_check():
    assert set(SARAN) <= set(CEK)


def test_rule_codes_and_levels_are_the_contracts():
    # DATA-CONTRACT.md section 2, written out by hand.
    expected = {
        **{f"V00{i}": "error" for i in range(1, 8)},
        "V008": "peringatan",
        "R001": "error",
        "R002": "error",
        "R003": "error",
        "R004": "peringatan",
        "R005": "peringatan",
        "R006": "peringatan",
        "R007": "error",
        "R008": "error",
        "R009": "peringatan",
        "R010": "error",
    }
    assert {k: r.tingkat for k, r in RULES.items()} == expected
