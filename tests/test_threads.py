"""Polars inside Prefect's thread pool: no Python called back from polars' own threads.

The flow runs several tasks at once, and Prefect pickles task results (DataFrames) while
other tasks compute. A Python callback inside a polars query (`map_batches` and kin) runs
on polars' thread pool and needs the GIL; pickling a DataFrame holds the GIL while it
waits on that same pool. The two together deadlocked `lkjip run` in CI
(pola-rs/polars#27600 describes the mechanism). These tests keep the product free of it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from transforms.numbers import parse_measure, parse_money, parse_number

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("flows", "schemas", "transforms")
CALLBACKS = re.compile(
    r"\.(map_batches|map_elements|map_rows|map_groups)\(|element_wise\s*=\s*True"
)


def test_no_module_of_the_product_hands_polars_a_python_callback() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CALLBACKS.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "expression",
    [
        parse_money(pl.col("t")),
        parse_measure(pl.col("t"), percent=True),
        parse_number(pl.col("t"), max_decimals=None),
    ],
    ids=["money", "measure", "number"],
)
def test_the_number_parsers_are_native_polars_expressions(expression: pl.Expr) -> None:
    assert "python_udf" not in str(expression)
    # And still parse, under the column's own name (conventions: test_numbers.py).
    parsed = pl.DataFrame({"t": ["Rp 1.234.567,50"]}).select(expression)
    assert parsed.columns == ["t"]
    assert parsed.item() == Decimal("1234567.5")


# Two threads parse and build finding ids while two pickle a DataFrame of many chunks,
# as Prefect does with task results. With a callback in the parser this hung within
# seconds on every try; the subprocess and its timeout turn a hang into a failure.
CONCURRENT = """
import pickle, threading, time
import polars as pl
from transforms.findings import draft, finalize
from transforms.numbers import parse_measure, parse_money

texts = pl.DataFrame({"a": ["1.234.567", "Rp 1.000", "(12,5)", "-", "12 %"] * 2000})
chunk = pl.DataFrame(
    {"x": range(1000), "s": ["abc"] * 1000, "d": pl.Series([1] * 1000).cast(pl.Decimal(18, 2))}
)
chunks = pl.concat([chunk] * 200, rechunk=False)
rows = 500
drafts = draft(
    pl.DataFrame(
        {
            "aturan": ["V003"] * rows,
            "tahun": [2023] * rows,
            "triwulan": [1] * rows,
            "kode_bidang": ["sekretariat"] * rows,
            "berkas": ["Realisasi TW1.csv"] * rows,
            "baris": range(2, rows + 2),
            "kolom": ["realisasi_kumulatif"] * rows,
        }
    )
)
stop = time.monotonic() + 4
done = {"parse": 0, "pickle": 0}

def parse():
    while time.monotonic() < stop:
        texts.with_columns(v=parse_money(pl.col("a")), w=parse_measure(pl.col("a"), percent=True))
        finalize(drafts, "run")
        done["parse"] += 1

def dump():
    while time.monotonic() < stop:
        pickle.loads(pickle.dumps(chunks))
        done["pickle"] += 1

threads = [threading.Thread(target=f) for f in (parse, parse, dump, dump)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(done["parse"], done["pickle"])
"""


def test_parsing_beside_pickling_in_threads_never_deadlocks() -> None:
    try:
        run = subprocess.run(
            [sys.executable, "-c", CONCURRENT],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("parsing beside pickling deadlocked (no result after 120 s)")
    assert run.returncode == 0, run.stderr[-3000:]
    parsed, pickled = (int(n) for n in run.stdout.split())
    assert parsed > 0 and pickled > 0
