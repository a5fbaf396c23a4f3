"""Documentation that cannot drift: the data dictionary, the README's rules and commands."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from flows.cli import app
from schemas import dictionary
from schemas.curated import MODELS
from schemas.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_data_dictionary_is_generated_from_the_curated_models():
    committed = (ROOT / "curated" / "README.md").read_text(encoding="utf-8")
    assert committed == dictionary.render(), "run: python -m schemas.dictionary > curated/README.md"


def test_data_dictionary_names_every_curated_column():
    text = dictionary.render()
    for name, model in MODELS.items():
        assert f"## `{name}`" in text
        for column in model.to_schema().columns:
            assert f"| `{column}` |" in text, (name, column)


def test_readme_lists_every_rule_with_its_level():
    for kode, rule in RULES.items():
        assert re.search(rf"^\| {kode} \| {rule.tingkat} \|", README, re.M), kode


def test_readme_shows_every_cli_command():
    import typer.main

    commands = typer.main.get_command(app).commands
    assert commands, "the CLI has commands"
    for name in commands:
        assert f"lkjip {name}" in README, name


def test_readme_shows_the_two_commands_first():
    run, test = README.index("make run"), README.index("make test")
    assert run < test < README.index("## Command line")


@pytest.mark.parametrize(
    "module",
    sorted(
        f"{package}.{m.name}"
        for package in ("flows", "schemas", "transforms")
        for m in pkgutil.iter_modules([str(ROOT / package)])
    ),
)
def test_every_module_imports_cleanly(module):
    importlib.import_module(module)


def test_the_failure_table_lists_every_case_the_suite_measures_with_no_row_lost():
    import fault_ledger

    rows = fault_ledger.readme_rows()
    assert [case for case, _, _ in rows] == list(fault_ledger.CASES)
    for case, tried, lost in rows:
        assert int(tried.replace(".", "")) > 0, (case, tried)  # written by a whole run
        assert lost == "0", (case, lost)
