"""The publish gate: Great Expectations over the curated tables, and its Data Docs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from fixtures_faults import published_tables

import flows.consolidation as consolidation
from flows.prefect_flow import konsolidasi
from flows.quality_gate import run_gate
from flows.raw_folder import LkjipError

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_passes_the_gate_and_its_data_docs_are_beside_the_curated_data(demo_run):
    curated = demo_run["curated"]
    index = curated / "data_docs" / "2023" / "index.html"
    assert index.is_file()
    manifest = json.loads((curated / "manifest" / "tahun=2023.json").read_text())
    gate = manifest["gerbang_mutu"]
    assert gate["lulus"] is True
    checked = {(h["tabel"], h["harapan"]) for h in gate["harapan"]}
    assert checked == {
        ("realisasi_anggaran", "expect_column_values_to_be_between"),
        ("realisasi_anggaran", "expect_column_pair_values_to_be_equal"),
        ("keselarasan", "expect_column_pair_values_to_be_equal"),
        ("keselarasan", "expect_column_values_to_be_between"),
    }
    pages = list((curated / "data_docs" / "2023").rglob("*.html"))
    assert len(pages) >= 5  # the index and a page per validation and suite
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
    # A cumulative that falls in TW4 on one line (sisa kept consistent, so every row
    # alone is fine), and a line given twice.
    line = (pl.col("kode_sub_kegiatan") == "2.17.05.1.01.01") & (pl.col("triwulan") == 4)
    fallen = Decimal(1000)
    broken = pl.concat([ra, ra.head(1)]).with_columns(
        realisasi_kumulatif=pl.when(line)
        .then(pl.col("realisasi_kumulatif") - pl.col("realisasi_triwulan") - fallen)
        .otherwise(pl.col("realisasi_kumulatif"))
    )
    outcome = run_gate({**tables, "realisasi_anggaran": broken}, tmp_path / "docs", 2023)
    assert not outcome.passed
    failed = {(h["tabel"], h["harapan"], h["kolom"]): h for h in outcome.failures()}
    rise = failed[
        ("realisasi_anggaran", "expect_column_values_to_be_between", "kenaikan_kumulatif")
    ]
    assert rise["tidak_sesuai"] == 1
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
        konsolidasi(tahun=2023, triwulan=4, raw=ROOT / "raw", curated=curated)
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

    def without_a_line(*args, **kwargs):
        # Every row of every table is still fine alone; only the totals across tables
        # (a DPA line with no realisation rows) tell.
        result = real(*args, **kwargs)
        ra = result.realisasi_anggaran
        gone = ra.filter(pl.col("pagu") > 0).row(0, named=True)["kode_sub_kegiatan"]
        kept = ra.filter(pl.col("kode_sub_kegiatan") != gone)
        return type(result)(**{**result.__dict__, "realisasi_anggaran": kept})

    monkeypatch.setattr(consolidation, "consolidate", without_a_line)
    docs = (curated / "data_docs" / "2023" / "index.html").read_bytes()
    with pytest.raises(LkjipError, match="gerbang mutu gagal") as raised:
        konsolidasi(tahun=2023, triwulan=4, raw=ROOT / "raw", curated=curated)
    after = published_tables(curated)
    for name, frame in before.items():
        assert after[name].sort(after[name].columns).equals(frame.sort(frame.columns)), name
    # The current release keeps its Data Docs; the refused run's are kept aside, named.
    assert (curated / "data_docs" / "2023" / "index.html").read_bytes() == docs
    rejected = curated / "data_docs" / "2023-ditolak" / "index.html"
    assert rejected.is_file() and str(rejected) in str(raised.value)
    assert not list((curated / ".rilis" / "2023").glob("*.tmp"))


_GATE_IN_ITS_PROCESS = """
import os, sys
from pathlib import Path
from flows import quality_gate
from flows.consolidation import consolidate_year
from flows.quality_gate import run_gate, start_gate_process, stop_gate_process

start_gate_process()
tables = consolidate_year(Path(sys.argv[1]), 2023, 4).tables.tables()
outcome = run_gate(tables, Path(sys.argv[2]), 2023)
worker = next(iter(quality_gate._process._processes))  # the pid of the gate's process
stop_gate_process()
here = "great_expectations" in sys.modules
print(outcome.passed, len(outcome.results), here, worker != os.getpid())
"""


def test_the_gate_runs_in_a_process_of_its_own_when_one_was_started(tmp_path: Path) -> None:
    """lkjip run starts the gate's process first: Great Expectations imports there, on the
    other core, and this process never imports it."""
    import subprocess
    import sys

    docs = tmp_path / "docs"
    done = subprocess.run(
        [sys.executable, "-c", _GATE_IN_ITS_PROCESS, str(ROOT / "raw"), str(docs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    passed, results, imported_here, elsewhere = done.stdout.split()
    assert (passed, imported_here, elsewhere) == ("True", "False", "True")
    assert int(results) == 10
    assert (docs / "index.html").is_file()
