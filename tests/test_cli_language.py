"""Every help screen and usage error of the CLI is Bahasa Indonesia, the framework's own
texts included (issue 11, item 7).

The commands are enumerated from the Typer app, so a command added later is covered too.
Each runs as the installed `lkjip`, with `--help` and with bad arguments.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import typer
from cli_runner import run_lkjip

from flows.cli import app

# Phrases click and Typer print in English, and English words a help text of ours would
# contain; none may appear in what a person reads.
FRAMEWORK_ENGLISH = (
    "Usage:",
    "Options",
    "Commands",
    "Arguments",
    "Show this message",
    "Missing",
    "Invalid value",
    "Error:",
    "No such",
    "Got unexpected",
    "requires an argument",
    "does not take",
    "Did you mean",
    "Try '",
    "for help",
    "[default:",
    "required",
    "env var",
    "Input should",
    "is not",
    "Value must",
    "Aborted",
    "[OPTIONS]",
    "COMMAND",
    "[ARGS]",
    "<int",
    "<str>",
    "<text>",
    "<path>",
    "<float",
    "<boolean>",
)
ENGLISH_WORDS = re.compile(r"\b(the|this|these|of|to|from|with|and|only|also|should|must)\b")

COMMAND = typer.main.get_command(app)
NAMES = sorted(COMMAND.commands)


def _english(text: str) -> list[str]:
    """-> the framework phrases and English words found in `text`."""
    found = [phrase for phrase in FRAMEWORK_ENGLISH if phrase in text]
    return found + ENGLISH_WORDS.findall(text)


def _lkjip(args: list[str], tmp_path: Path):
    """Run the installed `lkjip` (no Prefect server is needed for help and usage errors)."""
    return run_lkjip(args, dict(os.environ), tmp_path, columns=80, timeout=120)


def _int_options(name: str) -> list[str]:
    """-> the options of command `name` that take a whole number."""
    return [
        param.opts[0]
        for param in COMMAND.commands[name].params
        if getattr(param, "min", None) is not None or getattr(param, "max", None) is not None
    ]


def test_the_commands_are_enumerated_from_the_app() -> None:
    assert {"run", "serve", "failures", "report", "rilis"} <= set(NAMES)


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"]])
def test_the_main_help_screen_is_indonesian(args: list[str], tmp_path: Path) -> None:
    shown = _lkjip(args, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Cara pakai: lkjip [PILIHAN] PERINTAH [ARGUMEN]...")
    assert "Perintah:" in shown.stdout and "Pilihan:" in shown.stdout
    for name in NAMES:
        assert f"  {name} " in shown.stdout
    assert _english(shown.stdout + shown.stderr) == []


@pytest.mark.parametrize("name", NAMES)
def test_every_command_help_is_indonesian(name: str, tmp_path: Path) -> None:
    shown = _lkjip([name, "--help"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Cara pakai: lkjip {name} [PILIHAN]")
    assert "Tampilkan bantuan ini lalu keluar." in shown.stdout
    assert _english(shown.stdout + shown.stderr) == []


def _required(name: str) -> list[str]:
    """-> a valid value for each required option of command `name` (its minimum, or a word)."""
    args = []
    for param in COMMAND.commands[name].params:
        if param.required:
            low = getattr(param, "min", None)
            args += [param.opts[0], str(low) if low is not None else "x"]
    return args


def _bad_arguments() -> list[tuple[str, list[str], str]]:
    """-> (command, bad arguments, what the one line must name) for every command."""
    cases = []
    for name in NAMES:
        cases.append((name, [name, "--tidak-ada"], "--tidak-ada"))
        cases.append((name, [name, *_required(name), "berlebih"], "berlebih"))
        for option in _int_options(name):
            cases.append((name, [name, option, "dua"], option))
            cases.append((name, [name, option, "999999"], option))
        required = [p for p in COMMAND.commands[name].params if p.required]
        if required:
            cases.append((name, [name], required[0].opts[0]))
    cases.append(("lkjip", ["laporkan"], "laporkan"))
    cases.append(("lkjip", ["--tidak-ada"], "--tidak-ada"))
    cases.append(("report", ["report", "--pdf=ya"], "--pdf"))
    cases.append(("run", ["run", "--tahun"], "--tahun"))
    return cases


@pytest.mark.parametrize(("name", "args", "named"), _bad_arguments())
def test_a_bad_argument_is_one_indonesian_line(
    name: str, args: list[str], named: str, tmp_path: Path
) -> None:
    shown = _lkjip(args, tmp_path)
    assert shown.returncode == 2, (shown.stdout, shown.stderr)
    assert shown.stdout == ""
    (line,) = shown.stderr.splitlines()
    assert line.startswith("lkjip") and named in line
    assert "(lihat lkjip" in line and "--help)" in line
    assert _english(line) == [], line
