"""Every expectation of the publish gate can fail: none of them is a check that cannot.

From the gate frames of a faulty but publishable year, one row is added per expectation
that breaks exactly that expectation; the gate then has to report every one of them as
failed. New expectations in transforms/gate_checks.py are covered without editing this file.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import fixtures_faults as faults
import polars as pl
import pytest

from flows.consolidation import check_types
from flows.quality_gate import check_frames
from flows.raw_folder import LkjipError
from transforms.gate_checks import EXPECTATIONS, gate_frames
from transforms.year_tables import YearTables

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


def _copy(column: str | None = None, value=None):
    """-> a breaker adding a copy of a table's first row (with `column` set to `value`)."""

    def add(frame: pl.DataFrame) -> pl.DataFrame:
        row = frame.head(1)
        if column is not None:
            row = row.with_columns(pl.lit(value).cast(frame.schema[column]).alias(column))
        return pl.concat([frame, row])

    return add


def _sisa_off_by_one(frame: pl.DataFrame) -> pl.DataFrame:
    first = pl.int_range(pl.len()) == 0
    return frame.with_columns(
        sisa_anggaran=pl.when(first).then(pl.col("sisa_anggaran") + 1).otherwise("sisa_anggaran")
    )


# The checks of one table's rows that the pandera models make (moved out of the gate, so
# each is made once): each one, broken alone, refuses the year.
TABLE_CHECKS = {
    "dpa: one row per versi, line": ("dpa", _copy()),
    "dpa: pagu >= 0": ("dpa", _copy("pagu", -1)),
    "dpa: versi in set": ("dpa", _copy("versi", "sementara")),
    "realisasi_anggaran: one row per quarter, line": ("realisasi_anggaran", _copy()),
    "realisasi_anggaran: realisasi_triwulan >= 0": (
        "realisasi_anggaran",
        _copy("realisasi_triwulan", -1),
    ),
    "realisasi_anggaran: sisa = pagu - kumulatif": ("realisasi_anggaran", _sisa_off_by_one),
    "capaian_kinerja: one row per indicator and quarter": ("capaian_kinerja", _copy()),
    "capaian_kinerja: predikat in set": ("capaian_kinerja", _copy("predikat", "Lumayan")),
    "temuan: temuan_id unique": ("temuan", _copy()),
    "temuan: aturan in the catalogue": ("temuan", _copy("aturan", "X999")),
    "temuan: tingkat in set": ("temuan", _copy("tingkat", "fatal")),
    "karantina: status in set": ("karantina", _copy("status", "hilang")),
    "karantina: aturan named": ("karantina", _copy("aturan", None)),
    "kode: kode unique": ("kode", _copy()),
    "target_kinerja: one row per target": ("target_kinerja", _copy()),
}


@pytest.fixture(scope="module")
def faulty_year(tmp_path_factory) -> YearTables:
    raw = tmp_path_factory.mktemp("year") / "raw"
    shutil.copytree(ROOT / "raw" / "2023", raw / "2023")
    faults.minus_sign(raw)  # karantina then has a row to copy
    return faults.consolidated(raw)


def test_the_faulty_year_meets_every_table_check(faulty_year: YearTables) -> None:
    check_types(faulty_year)


@pytest.mark.parametrize("case", sorted(TABLE_CHECKS))
def test_every_table_check_refuses_a_row_that_breaks_it(faulty_year: YearTables, case) -> None:
    name, breaker = TABLE_CHECKS[case]
    broken = replace(faulty_year, **{name: breaker(getattr(faulty_year, name))})
    with pytest.raises(LkjipError, match=f"^tabel {name} tidak sesuai skemanya") as raised:
        check_types(broken)
    assert "\n" not in str(raised.value)
