"""Every expectation of the publish gate can fail: none of them is a check that cannot.

From the gate frames of a faulty but publishable year, one row is added per expectation
that breaks exactly that expectation; the gate then has to report every one of them as
failed. New expectations in schemas/gate_expectations.py are covered without editing this file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import fixtures_faults as faults
import polars as pl

from flows.quality_gate import check_frames
from schemas.gate_expectations import EXPECTATIONS
from transforms.gate_frames import gate_frames

ROOT = Path(__file__).resolve().parents[1]


def breaking_row(frame: pl.DataFrame, kind: str, kwargs: dict) -> pl.DataFrame:
    """A gate frame + one expectation -> a row (a copy of the first) that breaks it."""
    row = frame.head(1)
    if kind in ("ExpectCompoundColumnsToBeUnique", "ExpectColumnValuesToBeUnique"):
        return row
    column = kwargs.get("column")
    if kind == "ExpectColumnValuesToNotBeNull":
        return row.with_columns(pl.lit(None).cast(frame.schema[column]).alias(column))
    if kind == "ExpectColumnValuesToBeInSet":
        return row.with_columns(pl.lit("bukan-anggota").alias(column))
    if kind == "ExpectColumnValuesToBeBetween":
        if kwargs.get("max_value") is not None:
            value = pl.lit(kwargs["max_value"] + 1)
        else:
            value = pl.lit(kwargs["min_value"] - 1)
        return row.with_columns(value.cast(frame.schema[column]).alias(column))
    if kind == "ExpectColumnPairValuesToBeEqual":
        a, b = kwargs["column_A"], kwargs["column_B"]
        return row.with_columns((pl.col(b) + 1).cast(frame.schema[a]).alias(a))
    raise AssertionError(f"no breaking row for {kind}: teach this test how to break it")


def test_every_gate_expectation_fails_on_a_row_that_breaks_it(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw" / "2023", raw / "2023")
    faults.minus_sign(raw)  # karantina then has a row to copy
    frames = gate_frames(faults.consolidated(raw).tables())
    assert all(f.height for f in frames.values()), {n: f.height for n, f in frames.items()}
    clean = check_frames(frames, tmp_path / "docs-clean", 2023)
    assert clean.passed, clean.summary()

    broken = {
        name: pl.concat(
            [frame, *(breaking_row(frame, kind, kw) for kind, kw in EXPECTATIONS[name])]
        )
        for name, frame in frames.items()
    }
    outcome = check_frames(broken, tmp_path / "docs-broken", 2023)
    expected = sum(len(v) for v in EXPECTATIONS.values())
    assert len(outcome.results) == expected
    passed = [(h["tabel"], h["harapan"], h["kolom"]) for h in outcome.results if h["lulus"]]
    assert passed == []
