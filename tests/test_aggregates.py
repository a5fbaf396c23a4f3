"""One computation for the report and the analysts: `serapan_anggaran`.

Every sum and percentage of the published table, and every percentage the report prints,
is recomputed here from `realisasi_anggaran` with Python's Decimal; a zero pagu gives an
empty percentage. The data dictionary's examples (curated/README.md) are run as they are
written, with polars, pandas and DuckDB, against the published demo.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from flows import annual_report
from schemas.types import MONEY, PERCENT
from transforms import report_data
from transforms.aggregates import absorption
from transforms.reconcile import percent

ROOT = Path(__file__).resolve().parents[1]
TAHUN = 2023
D = Decimal
LEVELS = (("program", "kode_program"), ("kegiatan", "kode_kegiatan"), ("bidang", "kode_bidang"))


def persen(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole × 100 with Python's Decimal, 2 decimals half away from zero; None at 0."""
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def recomputed(realisasi: pl.DataFrame) -> dict[tuple, dict]:
    """realisasi_anggaran -> (triwulan, tingkat, kode, jenis_belanja) -> sums and percentages."""
    sums: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))
    for line in realisasi.iter_rows(named=True):
        keys = [(t, line[k]) for t, k in LEVELS] + [("jumlah", None)]
        for tingkat, kode in keys:
            for jenis in (line["jenis_belanja"], "semua"):
                total = sums[(line["triwulan"], tingkat, kode, jenis)]
                for column in ("pagu", "realisasi_triwulan", "realisasi_kumulatif"):
                    total[column] += line[column]
                total["baris_dpa"] += 1
    out = {}
    for key, total in sums.items():
        sisa = total["pagu"] - total["realisasi_kumulatif"]
        out[key] = {
            **total,
            "sisa_anggaran": sisa,
            "persen_realisasi": persen(total["realisasi_kumulatif"], total["pagu"]),
            "persen_sisa": persen(sisa, total["pagu"]),
        }
    return out


def published(curated: Path, name: str) -> pl.DataFrame:
    """Curated folder + table -> the year's rows, partition keys typed as in the model."""
    return (
        pl.scan_parquet(curated / name, hive_partitioning=True)
        .filter(pl.col("tahun") == TAHUN)
        .collect()
        .with_columns(pl.col("triwulan").cast(pl.Int8))
    )


@pytest.fixture(scope="module")
def expected(demo_run: dict) -> dict[tuple, dict]:
    """-> the demo's aggregates recomputed with Python's Decimal."""
    return recomputed(published(demo_run["curated"], "realisasi_anggaran"))


# --- the published table ----------------------------------------------------------------------
def test_published_aggregates_equal_a_decimal_recomputation(demo_run: dict, expected) -> None:
    table = published(demo_run["curated"], "serapan_anggaran")
    assert table.height == len(expected) > 100
    columns = [*next(iter(expected.values())).keys()]
    for row in table.iter_rows(named=True):
        key = (row["triwulan"], row["tingkat"], row["kode"], row["jenis_belanja"])
        assert {c: row[c] for c in columns} == expected[key], key
    assert table.schema["persen_realisasi"] == PERCENT and table.schema["pagu"] == MONEY


def test_every_report_percentage_is_the_recomputed_one(demo_run: dict, expected) -> None:
    report = report_data.build(annual_report.read_curated(demo_run["curated"], TAHUN), TAHUN)
    q = report.triwulan
    checked = 0
    for row in report.tabel_3_6.iter_rows(named=True):
        kind = row["jenis_baris"]
        tingkat = kind if kind in ("program", "kegiatan") else "jumlah"
        jenis = row["jenis_belanja"] or "semua"
        want = expected[(q, tingkat, None if tingkat == "jumlah" else row["kode"], jenis)]
        assert row["persen_realisasi"] == want["persen_realisasi"], row
        assert row["persen_sisa"] == want["persen_sisa"], row
        assert (row["pagu"], row["realisasi"], row["sisa"]) == (
            want["pagu"],
            want["realisasi_kumulatif"],
            want["sisa_anggaran"],
        )
        checked += 1
    for row in report.efisiensi.iter_rows(named=True):
        total = row["jenis_baris"] == "total"
        key = (q, "jumlah", None, "semua") if total else (q, "program", row["kode"], "semua")
        assert row["serapan"] == expected[key]["persen_realisasi"], row
        checked += 1
    for row in report.kurva_s.iter_rows(named=True):
        key = (row["triwulan"], "program", row["kode"], "semua")
        assert row["persen_realisasi"] == expected[key]["persen_realisasi"], row
        checked += 1
    assert checked == report.tabel_3_6.height + report.efisiensi.height + 4 * 6
    assert expected[(4, "jumlah", None, "semua")]["persen_realisasi"] == D("93.12")


# --- exact, and empty where the pagu is zero ------------------------------------------------------
def _lines(rows: list[tuple]) -> pl.DataFrame:
    """(program, kegiatan, sub kegiatan, jenis, pagu, realisasi) -> realisasi_anggaran at TW4."""
    return pl.DataFrame(
        [(TAHUN, 4, "b", p, k, s, jenis, "perubahan", D(pagu), D(real), D(real))
         for p, k, s, jenis, pagu, real in rows],
        schema={
            "tahun": pl.Int32, "triwulan": pl.Int8, "kode_bidang": pl.String,
            "kode_program": pl.String, "kode_kegiatan": pl.String,
            "kode_sub_kegiatan": pl.String, "jenis_belanja": pl.String,
            "versi_dpa": pl.String, "pagu": MONEY, "realisasi_triwulan": MONEY,
            "realisasi_kumulatif": MONEY,
        },
        orient="row",
    )  # fmt: skip


def test_zero_pagu_gives_an_empty_percentage_not_an_error() -> None:
    lines = _lines(
        [
            ("2.17.01", "2.17.01.1.01", "2.17.01.1.01.01", "operasi", "10000.00", "1854.00"),
            ("2.17.02", "2.17.02.1.01", "2.17.02.1.01.01", "operasi", "0", "0"),  # cut to 0
            ("2.17.02", "2.17.02.1.01", "2.17.02.1.01.01", "modal", "0", "5.00"),
        ]
    )
    names = pl.DataFrame({"kode": ["2.17.01"], "uraian": ["PROGRAM SATU"]})
    table = absorption(lines, names)
    zero = table.filter(pl.col("kode") == "2.17.02")
    assert zero.height == 3  # operasi, modal, semua
    assert zero.get_column("persen_realisasi").null_count() == 3
    assert zero.get_column("persen_sisa").null_count() == 3
    first = table.filter((pl.col("kode") == "2.17.01") & (pl.col("jenis_belanja") == "semua"))
    assert first.row(0, named=True)["persen_realisasi"] == D("18.54")  # not 19,00
    for row in table.iter_rows(named=True):
        assert row["persen_realisasi"] == persen(row["realisasi_kumulatif"], row["pagu"])
    printed = report_data.tabel_3_6(table, 4)
    modal = printed.filter((pl.col("kode") == "2.17.02") & (pl.col("jenis_belanja") == "modal"))
    assert modal.row(0, named=True)["persen_realisasi"] is None  # printed as "-"


@pytest.mark.parametrize(
    ("part", "whole"),
    [
        ("1854.00", "10000.00"),
        ("0.01", "8.00"),  # 0,125 %: half away from zero
        ("-0.01", "8.00"),
        ("2.00", "3.00"),
        ("99999999999999.99", "0.01"),  # too large for DECIMAL(9,2): empty, not an error
        # a near tie a scale-12 quotient rounds up: 18,5049999999999991... % is 18,50
        ("185049999999999.99", "999999999999999.99"),
        ("5.00", "0.00"),
    ],
)
def test_exact_percent_equals_pythons_decimal(part: str, whole: str) -> None:
    frame = pl.DataFrame({"a": [D(part)], "b": [D(whole)]}, schema={"a": MONEY, "b": MONEY})
    got = frame.select(percent(pl.col("a"), pl.col("b"))).item()
    want = persen(D(part), D(whole))
    assert got == (None if want is not None and abs(want) >= 10**7 else want)


# --- the data dictionary's examples run as written ---------------------------------------------
def dictionary_examples() -> list[str]:
    """-> the Python code blocks of curated/README.md, in order."""
    text = (ROOT / "curated" / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.S)


def run_examples(curated: Path, where: Path) -> dict:
    """Curated folder -> the namespace after running every dictionary example beside it."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "curated").symlink_to(curated.resolve())
    namespace: dict = {}
    before = Path.cwd()
    os.chdir(where)
    try:
        for block in dictionary_examples():
            exec(compile(block, "curated/README.md", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(before)
    return namespace


def example_results(namespace: dict) -> dict[str, list[tuple]]:
    """Namespace of the examples -> per library (kode_program, serapan) in program order."""
    polars_rows = namespace["per_program_polars"].select("kode_program", "serapan").rows()
    pandas_frame = namespace["per_program_pandas"]
    pandas_rows = [
        (k, None if pd.isna(v) else v)
        for k, v in zip(pandas_frame["kode_program"], pandas_frame["serapan"], strict=True)
    ]
    duckdb_rows = [(r[0], r[3]) for r in namespace["per_program_duckdb"]]
    return {"polars": polars_rows, "pandas": pandas_rows, "duckdb": duckdb_rows}


def test_dictionary_examples_compute_the_published_serapan(demo_run: dict, tmp_path) -> None:
    assert len(dictionary_examples()) == 4  # reading the tables, polars, pandas, DuckDB
    results = example_results(run_examples(demo_run["curated"], tmp_path))
    table = published(demo_run["curated"], "serapan_anggaran").filter(
        (pl.col("triwulan") == 4)
        & (pl.col("tingkat") == "program")
        & (pl.col("jenis_belanja") == "semua")
    )
    want = table.sort("kode").select("kode", "persen_realisasi").rows()
    assert len(want) == 6
    for library, rows in results.items():
        assert rows == want, library


def test_dictionary_examples_give_an_empty_percentage_for_a_zero_pagu(tmp_path) -> None:
    lines = _lines(
        [
            ("2.17.01", "2.17.01.1.01", "2.17.01.1.01.01", "operasi", "10000.00", "1854.00"),
            ("2.17.02", "2.17.02.1.01", "2.17.02.1.01.01", "operasi", "0", "0"),
        ]
    )
    curated = tmp_path / "curated-kecil"
    part = curated / "realisasi_anggaran" / f"tahun={TAHUN}" / "triwulan=4"
    part.mkdir(parents=True)
    lines.drop("tahun", "triwulan").write_parquet(part / "part-0.parquet")
    results = example_results(run_examples(curated, tmp_path / "contoh"))
    for library, rows in results.items():
        assert rows == [("2.17.01", D("18.54")), ("2.17.02", None)], library
