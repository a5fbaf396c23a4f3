"""The README's "Kegagalan dan pemulihan" figures, written by the test suite itself.

Each hostile input and fault test records what it tried and how many rows it lost; at the
end of a session that ran every one of them and passed, the table between the README's
markers is rewritten from those records. Nothing in the table is typed by hand, and a
test (tests/test_docs.py) checks that it lists exactly the cases below.

Rows lost are measured, not assumed:
- an input case: rows of the bundled demo files (the demo's own manifest) that the run
  with the hostile input beside them no longer ends in a status (accepted, held back with
  a finding, or counted apart), after the rows the case itself planted;
- a run fault: rows of the release that was current before the fault that can no longer
  be read from the curated folder after it.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN = "<!-- tabel-kegagalan: dibuat oleh make test (tests/fault_ledger.py) -->"
END = "<!-- /tabel-kegagalan -->"

CASES = (
    "entries that are no regular file inside raw/ (symlink out, folder link, device link, "
    "FIFO, loop, empty folder)",
    "a file name that is not UTF-8",
    "a 20.000-row xlsx repeating 4 sub kegiatan codes",
    "a 25 M-field CSV line and an xlsx cell at XFD1048576",
    "`lkjip run` killed with SIGKILL during the gate",
    "disk full during the gate and during publication",
)
"""The cases, in the order the README lists them."""


def record(ledger: Path, case: str, tried: int, lost: int) -> None:
    """Append one case's figures to the session's ledger."""
    if case not in CASES:
        raise KeyError(f"unknown fault case {case!r}: add it to tests/fault_ledger.CASES")
    with ledger.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"case": case, "tried": tried, "lost": lost}) + "\n")


def table_rows(ledger: Path) -> list[tuple[str, int, int]] | None:
    """Ledger -> (case, tried, rows lost) per case in README order; None unless all ran."""
    if not ledger.exists():
        return None
    totals: dict[str, list[int]] = {}
    for line in ledger.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        tried, lost = totals.setdefault(entry["case"], [0, 0])
        totals[entry["case"]] = [tried + entry["tried"], lost + entry["lost"]]
    if set(totals) != set(CASES):
        return None
    return [(case, *totals[case]) for case in CASES]


def render(rows: list[tuple[str, int, int]]) -> str:
    """Rows -> the Markdown table between the README's markers."""
    lines = ["| hostile input or fault | tried | rows lost |", "|---|---|---|"]
    lines += [f"| {case} | {_grouped(tried)} | {_grouped(lost)} |" for case, tried, lost in rows]
    return "\n".join(lines)


def _grouped(n: int) -> str:
    """12345 -> "12.345", as the rest of the README writes numbers."""
    return f"{n:,}".replace(",", ".")


def write_readme(rows: list[tuple[str, int, int]]) -> bool:
    """Rewrite the README's table from the session's figures; -> whether it changed."""
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    new = f"{head}{BEGIN}\n{render(rows)}\n{END}{tail}"
    if new == text:
        return False
    README.write_text(new, encoding="utf-8")
    return True


def readme_rows() -> list[tuple[str, str, str]]:
    """-> the README table's rows as written (case, tried, lost)."""
    text = README.read_text(encoding="utf-8")
    block = text.partition(BEGIN)[2].partition(END)[0]
    cells = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in block.strip().splitlines()[2:]
    ]
    return [tuple(c) for c in cells]


# --------------------------------------------------------------------------- measuring
def table_rows_read(curated: Path) -> dict[str, int]:
    """Curated folder -> rows per published table of 2023 (what an analyst can read now)."""
    manifest = json.loads((curated / "manifest" / "tahun=2023.json").read_text("utf-8"))
    return {
        entry["tabel"]: pl.scan_parquet(curated / entry["tabel"], hive_partitioning=True)
        .select(pl.len())
        .collect()
        .item()
        for entry in manifest["keluaran"]
    }


def release_rows_lost(before: dict[str, int], curated: Path) -> int:
    """Rows per table before a fault + the curated folder after it -> rows no longer read."""
    after = table_rows_read(curated)
    return sum(max(0, n - after.get(name, 0)) for name, n in before.items())


def input_rows_lost(baseline: dict, curated: Path, planted_rows: int = 0) -> int:
    """The demo's manifest + a hostile run's curated folder -> rows lost: rows of the demo's
    files that the run no longer ends in a curated table or a finding (by status), given
    the `planted_rows` the case itself added in readable files.
    """
    manifest = json.loads((curated / "manifest" / "tahun=2023.json").read_text("utf-8"))
    before = sum(m["baris_dibaca"] for m in baseline["masukan"])
    now = sum(sum(m["baris_per_status"].values()) for m in manifest["masukan"])
    return max(0, before - (now - planted_rows))
