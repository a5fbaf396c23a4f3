"""The publish gate: Great Expectations over the curated tables, and its Data Docs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

import flows.prefect_flow as consolidation
from flows.quality_gate import run_gate
from flows.raw_folder import LkjipError
from schemas.curated import MODELS

ROOT = Path(__file__).resolve().parents[1]


def published_tables(curated: Path) -> dict[str, pl.DataFrame]:
    """Curated folder -> every published table, partition keys back as typed columns."""
    out = {}
    for name in MODELS:
        frame = pl.scan_parquet(curated / name, hive_partitioning=True).collect()
        casts = {"tahun": pl.Int32, "triwulan": pl.Int8}
        out[name] = frame.with_columns(
            [pl.col(c).cast(t) for c, t in casts.items() if c in frame.columns]
        )
    return out


def test_the_demo_passes_the_gate_and_its_data_docs_are_beside_the_curated_data(demo_run):
    curated = demo_run["curated"]
    index = curated / "data_docs" / "2023" / "index.html"
    assert index.is_file()
    manifest = json.loads((curated / "manifest" / "tahun=2023.json").read_text())
    gate = manifest["gerbang_mutu"]
    assert gate["lulus"] is True
    checked = {(h["tabel"], h["harapan"]) for h in gate["harapan"]}
    for expected in [
        ("realisasi_anggaran", "expect_compound_columns_to_be_unique"),
        ("realisasi_anggaran", "expect_column_pair_values_to_be_equal"),
        ("dpa", "expect_column_values_to_be_between"),
        ("keselarasan", "expect_column_pair_values_to_be_equal"),
    ]:
        assert expected in checked
    pages = list((curated / "data_docs" / "2023").rglob("*.html"))
    assert len(pages) > 5  # the index and a page per validation and suite
    # They are part of the release, switched with its tables.
    release = (curated / ".rilis" / "2023" / "aktif").resolve()
    assert index.resolve() == release / "data_docs" / "index.html"


def test_the_gate_writes_data_docs_under_a_relative_curated_folder(demo_run, tmp_path, monkeypatch):
    # `lkjip run` is given "curated", relative to where the operator stands.
    monkeypatch.chdir(tmp_path)
    outcome = run_gate(published_tables(demo_run["curated"]), Path("curated/data_docs/2023"), 2023)
    assert outcome.passed
    assert (tmp_path / "curated" / "data_docs" / "2023" / "index.html").is_file()


def test_a_broken_table_fails_the_gate_with_its_figures(demo_run, tmp_path):
    tables = published_tables(demo_run["curated"])
    ra = tables["realisasi_anggaran"]
    # A cumulative that falls, a sisa that does not add up, and a line given twice.
    broken = pl.concat([ra, ra.head(1)]).with_columns(
        sisa_anggaran=pl.when(pl.col("kode_sub_kegiatan") == "2.17.05.1.01.01")
        .then(pl.col("sisa_anggaran") + Decimal(1))
        .otherwise(pl.col("sisa_anggaran"))
    )
    outcome = run_gate({**tables, "realisasi_anggaran": broken}, tmp_path / "docs", 2023)
    assert not outcome.passed
    failed = {(h["tabel"], h["harapan"], h["kolom"]): h for h in outcome.failures()}
    unique = failed[
        (
            "realisasi_anggaran",
            "expect_compound_columns_to_be_unique",
            "triwulan+kode_sub_kegiatan+jenis_belanja",
        )
    ]
    assert unique["tidak_sesuai"] == 2
    sisa = failed[
        (
            "realisasi_anggaran",
            "expect_column_pair_values_to_be_equal",
            "sisa_anggaran ~ pagu_dikurangi_realisasi",
        )
    ]
    assert sisa["tidak_sesuai"] == 4  # one line, four quarters
    assert (
        "keselarasan",
        "expect_column_pair_values_to_be_equal",
        "baris_realisasi ~ baris_dpa",
    ) in failed
    assert "gerbang mutu gagal" in outcome.summary()
    assert (tmp_path / "docs" / "index.html").is_file()


def test_a_table_off_its_declared_types_is_refused_in_one_line(demo_run, tmp_path, monkeypatch):
    real = consolidation.consolidate

    def with_a_negative_pagu(*args, **kwargs):
        result = real(*args, **kwargs)
        dpa = result.dpa.with_columns(pagu=pl.col("pagu") - Decimal("1000000000000"))
        return type(result)(**{**result.__dict__, "dpa": dpa})

    monkeypatch.setattr(consolidation, "consolidate", with_a_negative_pagu)
    curated = tmp_path / "curated"
    with pytest.raises(LkjipError, match=r"tabel dpa tidak sesuai skemanya.*pagu") as raised:
        consolidation.konsolidasi(tahun=2023, triwulan=4, raw=ROOT / "raw", curated=curated)
    assert "\n" not in str(raised.value)
    assert not (curated / "dpa").exists()


def test_a_failed_gate_refuses_publication_and_keeps_the_previous_one(
    demo_run, tmp_path, monkeypatch
):
    import shutil

    curated = tmp_path / "curated"
    shutil.copytree(demo_run["curated"], curated, symlinks=True)
    before = published_tables(curated)
    real = consolidation.consolidate

    def with_a_line_twice(*args, **kwargs):
        result = real(*args, **kwargs)
        ra = result.realisasi_anggaran
        return type(result)(
            **{**result.__dict__, "realisasi_anggaran": pl.concat([ra, ra.tail(1)])}
        )

    monkeypatch.setattr(consolidation, "consolidate", with_a_line_twice)
    docs = (curated / "data_docs" / "2023" / "index.html").read_bytes()
    with pytest.raises(LkjipError, match="gerbang mutu gagal") as raised:
        consolidation.konsolidasi(tahun=2023, triwulan=4, raw=ROOT / "raw", curated=curated)
    after = published_tables(curated)
    for name, frame in before.items():
        assert after[name].sort(after[name].columns).equals(frame.sort(frame.columns)), name
    # The current release keeps its Data Docs; the refused run's are kept aside, named.
    assert (curated / "data_docs" / "2023" / "index.html").read_bytes() == docs
    rejected = curated / "data_docs" / "2023-ditolak" / "index.html"
    assert rejected.is_file() and str(rejected) in str(raised.value)
    assert not list((curated / ".rilis" / "2023").glob("*.tmp"))
