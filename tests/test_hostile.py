"""Hostile and damaged files: never a crash, never a lost row, always a finding."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from flows import readers
from flows.readers import read_file
from transforms.findings import finalize
from transforms.ingest import ingest

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Kode;Uraian;Jenis Belanja;Anggaran;Realisasi TW\r\n"


def ingest_one(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One file of a submission -> (its staged keuangan rows, its findings)."""
    kiriman = ingest(
        [read_file(path, path.name)], tahun=2023, triwulan=1, kode_bidang="pemberdayaan-koperasi"
    )
    return kiriman.keuangan, finalize(kiriman.temuan, "uji")


def test_a_cell_beyond_the_csv_field_limit_breaks_only_its_line(tmp_path):
    path = tmp_path / "panjang.csv"
    path.write_text(
        HEADER
        + "2.17.06.1.01.01;"
        + "x" * 300_000
        + ";Operasi;678.380.100;1.000\r\n"
        + '2.17.06.1.01.02;Peningkatan "Produktivitas;Operasi;300.920.000;2.000\r\n'
        + "2.17.06.1.01.03;Penumbuhan;Operasi;250.000.000;3.000\r\n",
        encoding="utf-8",
    )
    rows, temuan = ingest_one(path)
    status = dict(rows.select("baris", "status").iter_rows())
    # The overlong line is held back; a quote inside an unquoted cell is just text.
    assert status == {2: "karantina", 3: "diterima", 4: "diterima"}
    assert temuan.select("aturan", "baris").rows() == [("V003", 2)]


def test_an_xlsx_that_would_unpack_too_large_is_refused_unread(tmp_path, monkeypatch):
    source = ROOT / "raw" / "2023" / "TW1" / "usaha-kecil" / "usaha_kecil_tw1_2023.xlsx"
    path = tmp_path / "bom.xlsx"
    shutil.copy(source, path)
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 1000)
    hasil = read_file(path, path.name)
    assert hasil.lembar == () and "terlalu besar" in hasil.problem


def test_garbage_named_xlsx_and_an_xlsx_named_csv(tmp_path):
    garbage = tmp_path / "rusak.xlsx"
    garbage.write_bytes(b"\x00\x01binary garbage" * 100)
    assert read_file(garbage, garbage.name).problem
    disguised = tmp_path / "sebenarnya_xlsx.csv"
    shutil.copy(
        ROOT / "raw" / "2023" / "TW1" / "usaha-kecil" / "usaha_kecil_tw1_2023.xlsx", disguised
    )
    hasil = read_file(disguised, disguised.name)
    assert hasil.problem is None
    assert [s.lembar for s in hasil.lembar] == ["Keuangan", "Kinerja"]


def test_a_broken_file_does_not_stop_the_others(tmp_path):
    good = tmp_path / "baik.csv"
    good.write_text(HEADER + "2.17.06.1.01.01;Perluasan;Operasi;678.380.100;1.000\r\n")
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    kiriman = ingest(
        [read_file(bad, bad.name), read_file(good, good.name)],
        tahun=2023,
        triwulan=1,
        kode_bidang="pemberdayaan-koperasi",
    )
    assert kiriman.keuangan.get_column("status").to_list() == ["diterima"]
    temuan = finalize(kiriman.temuan, "uji")
    assert temuan.select("aturan", "berkas").rows() == [("V001", "rusak.xlsx")]
