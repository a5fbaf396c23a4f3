"""The reconciliation rules R001-R010: for each, a realistic input that fires it and a near miss.

Most tests drive the pure functions with small inputs staged the way the pipeline stages
them: reference rows through transforms.reference_files.validate_reference, a bidang's export
rows through transforms.ingest.ingest, both from a grid of text cells as a CSV gives it.
The figures are the real 2023 DPA lines of ../shared/reference/2023/dpa.csv. R006, R007 and
R008 are also checked on one modified copy of the demo raw folder run through the flow.
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from fixtures_faults import read_sheets

from flows.readers import to_grid
from transforms import dpa as dpa_stage
from transforms.achievement import capaian_table
from transforms.ingest import ingest
from transforms.reconcile import check_rows, reconcile
from transforms.reference_files import Reference, validate_reference
from transforms.sheets import ReadResult, SheetGrid
from transforms.year_tables import consolidate

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
TAHUN = 2023

# --- references, staged as the pipeline stages them ------------------------------------------
DPA_HEADER = ["tahun", "versi", "tanggal_berlaku", "kode_sub_kegiatan", "jenis_belanja", "pagu"]
MURNI = ["2023", "murni", "2023-01-01"]
PERUBAHAN = ["2023", "perubahan", "2023-10-01"]
DPA_LINES = [
    # kode_sub_kegiatan, jenis_belanja, pagu murni, pagu perubahan (real 2023 figures)
    ("2.17.01.1.01.01", "operasi", "513676300", "281482200"),
    ("2.17.05.1.01.01", "operasi", "584160000", "544744000"),
    ("2.17.06.1.01.01", "operasi", "726314100", "678380100"),
    ("2.17.06.1.01.03", "operasi", "250000000", "250000000"),
    ("2.17.07.1.01.01", "operasi", "550121900", "582098200"),
    ("2.17.07.1.01.01", "modal", "342032100", "258992600"),
    ("2.17.07.1.01.02", "operasi", "2000000000", "1676945400"),
]
BIDANG_ROWS = [
    ["sekretariat", "Sekretariat", "2.17.01"],
    ["kelembagaan-pengawasan", "Bidang Kelembagaan dan Pengawasan Koperasi", "2.17.03"],
    ["pemberdayaan-koperasi", "Bidang Pemberdayaan Koperasi", "2.17.05"],
    ["pemberdayaan-koperasi", "Bidang Pemberdayaan Koperasi", "2.17.06"],
    ["usaha-kecil", "Bidang Pemberdayaan dan Pengembangan Usaha Kecil", "2.17.07"],
    ["usaha-kecil", "Bidang Pemberdayaan dan Pengembangan Usaha Kecil", "2.17.08"],
]
HIERARKI_ROWS = [
    ["2.17.06", "program", "PROGRAM PEMBERDAYAAN DAN PERLINDUNGAN KOPERASI"],
    [
        "2.17.06.1.01",
        "kegiatan",
        "Pemberdayaan dan Perlindungan Koperasi yang Keanggotaannya Lintas Daerah "
        "Kabupaten/Kota dalam 1 (satu) Daerah Provinsi",
    ],
    [
        "2.17.06.1.01.01",
        "sub_kegiatan",
        "Perluasan Akses Pasar, Akses Pembiayaan, Penataan Manajemen, Standarisasi, "
        "dan Restrukturisasi Usaha",
    ],
]
INDIKATOR_HEADER = [
    "tahun",
    "level",
    "kode",
    "sasaran",
    "indikator",
    "satuan",
    "target",
    "polaritas",
    "kode_bidang",
    "realisasi_tahunan",
]
INDIKATOR_ROWS = [
    ["2023", "tujuan_daerah", "T1", "Meningkatkan Kualitas Pertumbuhan Ekonomi", "Indeks Gini"]
    + ["Nilai", "0,354", "negatif", "", ""],
    ["2023", "sasaran", "S1", "Meningkatnya Akuntabilitas Kinerja Penyelenggaraan Pemerintahan"]
    + ["Capaian SAKIP Perangkat Daerah", "Nilai", "70-80", "rentang", "sekretariat", "80"],
    ["2023", "sasaran", "S2", "Meningkatnya Kualitas Koperasi"]
    + ["Persentase Koperasi yang Berkualitas", "Persen", "25", "positif"]
    + ["kelembagaan-pengawasan", "25"],
]


def grid(rows: list[list[str]]) -> pl.DataFrame:
    """CSV-like rows of text (empty string = empty cell) -> a sheet grid."""
    return to_grid([[c.strip() or None for c in row] for row in rows])


def referensi(nama: str, header: list[str], rows: list[list[str]]) -> Reference:
    """Reference rows -> validated as raw/2023/referensi/<nama>.csv would be."""
    berkas = f"2023/referensi/{nama}.csv"
    result = validate_reference(SheetGrid(berkas, None, grid([header, *rows])), nama)
    assert result.temuan.height == 0, result.temuan
    return result


def dpa_rows(extra: list[list[str]] = ()) -> list[list[str]]:
    """The DPA lines of both versions (murni first, as in dpa.csv), plus extra rows."""
    murni = [[*MURNI, k, j, m] for k, j, m, _ in DPA_LINES]
    perubahan = [[*PERUBAHAN, k, j, p] for k, j, _, p in DPA_LINES]
    return [*murni, *perubahan, *extra]


def references(dpa: list[list[str]] | None = None) -> dict[str, Reference]:
    return {
        "dpa": referensi("dpa", DPA_HEADER, dpa_rows() if dpa is None else dpa),
        "hierarki": referensi("hierarki", ["kode", "level", "uraian"], HIERARKI_ROWS),
        "bidang": referensi("bidang", ["kode_bidang", "nama_bidang", "kode_program"], BIDANG_ROWS),
        "indikator": referensi("indikator", INDIKATOR_HEADER, INDIKATOR_ROWS),
    }


@pytest.fixture(scope="module")
def refs() -> dict[str, Reference]:
    return references()


@pytest.fixture(scope="module")
def dpa(refs) -> pl.DataFrame:
    """The curated dpa of the inline DPA."""
    table, drafts, held = dpa_stage.prepare(
        refs["dpa"].rows, refs["hierarki"].rows, refs["bidang"].rows
    )
    assert drafts.height == 0 and held.height == 0
    return table


def in_force(dpa: pl.DataFrame, triwulan: int) -> pl.DataFrame:
    return dpa_stage.versions_in_force(dpa, TAHUN, triwulan)


# --- a bidang's export, staged as the pipeline stages it --------------------------------------
KEUANGAN = [
    "Kode Sub Kegiatan",
    "Uraian",
    "Jenis Belanja",
    "Anggaran",
    "Realisasi Triwulan Ini",
    "Realisasi s.d. Triwulan Ini",
]
KEUANGAN_REKENING = [
    "Kode Sub Kegiatan",
    "Kode Rekening",
    "Uraian",
    "Anggaran",
    "Realisasi Triwulan Ini",
    "Realisasi s.d. Triwulan Ini",
]
KINERJA = ["Kode", "Indikator Kinerja", "Satuan", "Target", "Realisasi"]


def berkas_of(triwulan: int, kode_bidang: str, nama: str = "realisasi.csv") -> str:
    return f"2023/TW{triwulan}/{kode_bidang}/{nama}"


def kiriman(triwulan: int, kode_bidang: str, rows: list[list[str]], header=KEUANGAN, nama=None):
    """One CSV export of a bidang for a quarter -> its ingested submission."""
    berkas = berkas_of(triwulan, kode_bidang, nama or "realisasi.csv")
    lembar = SheetGrid(berkas, None, grid([header, *rows]))
    return ingest(
        [ReadResult(berkas, (lembar,))], tahun=TAHUN, triwulan=triwulan, kode_bidang=kode_bidang
    )


def accepted(*submissions) -> pl.DataFrame:
    """Ingested submissions -> their keuangan rows that passed validation."""
    rows = pl.concat([k.keuangan for k in submissions], how="diagonal_relaxed")
    out = rows.filter(pl.col("status") == "diterima")
    assert out.height == rows.filter(pl.col("jenis_baris") == "data").height, "a row failed V rules"
    return out


def rules(drafts: pl.DataFrame) -> list[tuple]:
    """Drafts -> sorted (aturan, triwulan, kode, jenis_belanja)."""
    return sorted(drafts.select("aturan", "triwulan", "kode", "jenis_belanja").rows())


def line(table: pl.DataFrame, triwulan: int, kode: str, jenis: str = "operasi") -> dict:
    found = table.filter(
        (pl.col("triwulan") == triwulan)
        & (pl.col("kode_sub_kegiatan") == kode)
        & (pl.col("jenis_belanja") == jenis)
    )
    assert found.height == 1, (triwulan, kode, jenis)
    return found.row(0, named=True)


UR_0601 = "Perluasan Akses Pasar, Akses Pembiayaan, Penataan Manajemen"
UR_0701 = "Menumbuhkembangkan UMKM untuk Menjadi Usaha yang Tangguh dan Mandiri"


# --- categories of the reference files -----------------------------------------------------------
def test_v003_a_reference_category_outside_its_list_or_left_empty() -> None:
    rows = [list(r) for r in INDIKATOR_ROWS]
    rows[1][7] = "Positive"  # English spelling: not a polaritas of the contract
    rows[2][1] = ""  # level left empty
    rows[0][7] = "NEGATIF"  # near miss: the right word in capitals
    berkas = "2023/referensi/indikator.csv"
    result = validate_reference(
        SheetGrid(berkas, None, grid([INDIKATOR_HEADER, *rows])), "indikator"
    )
    fired = sorted(result.temuan.select("aturan", "baris", "kolom").rows())
    assert fired == [("V003", 3, "polaritas"), ("V003", 4, "level")]


# --- the version in force ---------------------------------------------------------------------
def test_murni_is_in_force_until_the_perubahan_takes_effect(dpa):
    got = in_force(dpa, 4).select("triwulan", "versi").rows()
    assert got == [(1, "murni"), (2, "murni"), (3, "murni"), (4, "perubahan")]


def test_a_perubahan_in_force_from_the_last_day_of_tw3_governs_tw3():
    rows = [r if r[1] != "perubahan" else [r[0], r[1], "2023-09-30", *r[3:]] for r in dpa_rows()]
    refs = references(rows)
    table, _, _ = dpa_stage.prepare(refs["dpa"].rows, refs["hierarki"].rows, refs["bidang"].rows)
    got = dpa_stage.versions_in_force(table, TAHUN, 4).select("triwulan", "versi").rows()
    assert got == [(1, "murni"), (2, "murni"), (3, "perubahan"), (4, "perubahan")]


# --- R001: sub kegiatan not in the DPA in force -----------------------------------------------
def test_r001_fires_for_a_code_not_in_the_dpa(dpa, refs):
    k = kiriman(
        2,
        "pemberdayaan-koperasi",
        [
            [
                "2.17.06.1.01.04",
                "Sub kegiatan yang tidak ada",
                "Belanja Operasi",
                "",
                "1.000.000",
                "",
            ],
            [
                "2.17.06.1.01.03",
                "Penumbuhan Kesadaran Keluarga",
                "Belanja Operasi",
                "",
                "2.000.000",
                "",
            ],
        ],
    )
    rows = accepted(k)
    drafts, held = check_rows(rows, dpa, in_force(dpa, 2), refs["bidang"].rows)
    assert rules(drafts) == [("R001", 2, "2.17.06.1.01.04", "operasi")]
    assert drafts.item(0, "keterangan") == "murni"  # the version it was checked against
    assert held.select("baris", "aturan").rows() == [(2, "R001")]


def test_r001_near_miss_every_code_of_the_dpa_passes(dpa, refs):
    k = kiriman(
        2,
        "usaha-kecil",
        [
            ["2.17.07.1.01.01", UR_0701, "Belanja Operasi", "", "1.000.000", ""],
            ["2.17.07.1.01.01", UR_0701, "Belanja Modal", "", "1.000.000", ""],
            ["2.17.07.1.01.02", "Peningkatan Pemahaman", "Belanja Operasi", "", "1.000.000", ""],
        ],
    )
    drafts, held = check_rows(accepted(k), dpa, in_force(dpa, 2), refs["bidang"].rows)
    assert drafts.height == 0 and held.height == 0


# --- R002: sub kegiatan of another bidang's program -------------------------------------------
def test_r002_fires_for_a_sub_kegiatan_of_another_bidangs_program(dpa, refs):
    k = kiriman(
        1,
        "usaha-kecil",
        [
            [
                "2.17.01.1.01.01",
                "Penyusunan Dokumen Perencanaan",
                "Belanja Operasi",
                "",
                "5.000.000",
                "",
            ]
        ],
    )
    drafts, held = check_rows(accepted(k), dpa, in_force(dpa, 1), refs["bidang"].rows)
    assert rules(drafts) == [("R002", 1, "2.17.01.1.01.01", "operasi")]
    assert drafts.item(0, "kode_bidang") == "usaha-kecil"
    assert drafts.item(0, "keterangan") == (  # the owner, for the message
        "sub kegiatan 2.17.01.1.01.01 termasuk program bidang sekretariat"
    )
    assert held.get_column("aturan").to_list() == ["R002"]


def test_r002_near_miss_a_bidang_owning_two_programs_reports_both(dpa, refs):
    k = kiriman(
        1,
        "pemberdayaan-koperasi",
        [
            ["2.17.05.1.01.01", "Pendidikan dan Latihan", "Belanja Operasi", "", "5.000.000", ""],
            ["2.17.06.1.01.01", UR_0601, "Belanja Operasi", "", "5.000.000", ""],
        ],
    )
    drafts, held = check_rows(accepted(k), dpa, in_force(dpa, 1), refs["bidang"].rows)
    assert drafts.height == 0 and held.height == 0


# --- R010: spending on a jenis belanja without a pagu -----------------------------------------
def test_r010_fires_for_modal_spending_on_an_operasi_only_line(dpa, refs):
    k = kiriman(
        3,
        "pemberdayaan-koperasi",
        [
            ["2.17.06.1.01.01", "5.1.02.01.01.0024", "Belanja ATK", "", "3.000.000", ""],
            [
                "2.17.06.1.01.01",
                "5.2.02.10.01.0002",
                "Belanja Modal Personal Computer",
                "",
                "15.000.000",
                "",
            ],
        ],
        header=KEUANGAN_REKENING,
    )
    drafts, held = check_rows(accepted(k), dpa, in_force(dpa, 3), refs["bidang"].rows)
    assert rules(drafts) == [("R010", 3, "2.17.06.1.01.01", "modal")]
    assert held.select("baris", "aturan").rows() == [(3, "R010")]


def test_r010_near_miss_modal_spending_on_a_line_with_a_modal_pagu(dpa, refs):
    k = kiriman(
        3,
        "usaha-kecil",
        [
            [
                "2.17.07.1.01.01",
                "5.2.02.05.01.0005",
                "Belanja Modal Alat Kantor Lainnya",
                "",
                "15.000.000",
                "",
            ],
            [
                "2.17.07.1.01.01",
                "5.1.02.01.01.0052",
                "Belanja Makanan dan Minuman Rapat",
                "",
                "3.000.000",
                "",
            ],
        ],
        header=KEUANGAN_REKENING,
    )
    drafts, held = check_rows(accepted(k), dpa, in_force(dpa, 3), refs["bidang"].rows)
    assert drafts.height == 0 and held.height == 0


# --- R003: cumulative above the pagu in force -------------------------------------------------
def test_r003_fires_when_the_cumulative_passes_the_murni_pagu(dpa):
    # 2.17.07.1.01.01 operasi: murni 550.121.900, perubahan 582.098.200.
    k1 = kiriman(1, "usaha-kecil", [["2.17.07.1.01.01", UR_0701, "Operasi", "", "300.000.000", ""]])
    k3 = kiriman(3, "usaha-kecil", [["2.17.07.1.01.01", UR_0701, "Operasi", "", "270.000.000", ""]])
    table, drafts, held = reconcile(accepted(k1, k3), dpa, in_force(dpa, 3), TAHUN, 3)
    assert rules(drafts) == [("R003", 3, "2.17.07.1.01.01", "operasi")]
    f = drafts.row(0, named=True)
    # It names the quarter's own cell and quotes it, with the cumulative it leads to.
    assert (f["nama_kolom"], f["nilai"]) == ("realisasi_triwulan", "270.000.000")
    assert "menjadi 570.000.000" in f["keterangan"]
    assert f["nilai_diharapkan"] == "550.121.900"
    assert f["selisih"] == Decimal(19_878_100)
    assert f["berkas"] == berkas_of(3, "usaha-kecil")
    # The offending quarter's rows are held back: they add nothing to the facts.
    assert held.select("berkas", "baris", "aturan").rows() == [
        (berkas_of(3, "usaha-kecil"), 2, "R003")
    ]
    tw3 = line(table, 3, "2.17.07.1.01.01")
    assert tw3["realisasi_kumulatif"] == Decimal(300_000_000)
    assert tw3["realisasi_triwulan"] == Decimal(0)


def test_r003_near_miss_the_same_cumulative_at_tw4_is_below_the_perubahan_pagu(dpa):
    k1 = kiriman(1, "usaha-kecil", [["2.17.07.1.01.01", UR_0701, "Operasi", "", "300.000.000", ""]])
    k4 = kiriman(4, "usaha-kecil", [["2.17.07.1.01.01", UR_0701, "Operasi", "", "270.000.000", ""]])
    table, drafts, held = reconcile(accepted(k1, k4), dpa, in_force(dpa, 4), TAHUN, 4)
    assert drafts.height == 0 and held.height == 0
    tw4 = line(table, 4, "2.17.07.1.01.01")
    assert tw4["pagu"] == Decimal(582_098_200)
    assert tw4["realisasi_kumulatif"] == Decimal(570_000_000)
    assert tw4["sisa_anggaran"] == Decimal(12_098_200)


def test_r003_near_miss_spending_exactly_the_pagu(dpa):
    k = kiriman(2, "usaha-kecil", [["2.17.07.1.01.01", UR_0701, "Operasi", "", "550.121.900", ""]])
    table, drafts, _ = reconcile(accepted(k), dpa, in_force(dpa, 2), TAHUN, 2)
    assert drafts.height == 0
    assert line(table, 2, "2.17.07.1.01.01")["sisa_anggaran"] == Decimal(0)


def test_r003_fires_when_the_perubahan_cuts_the_pagu_below_the_spending(dpa):
    # 2.17.07.1.01.02: murni 2.000.000.000, perubahan 1.676.945.400.
    k3 = kiriman(
        3, "usaha-kecil", [["2.17.07.1.01.02", "SDM UMKM", "Operasi", "", "1.600.000.000", ""]]
    )
    k4 = kiriman(
        4, "usaha-kecil", [["2.17.07.1.01.02", "SDM UMKM", "Operasi", "", "100.000.000", ""]]
    )
    _, drafts, _ = reconcile(accepted(k3, k4), dpa, in_force(dpa, 4), TAHUN, 4)
    assert rules(drafts) == [("R003", 4, "2.17.07.1.01.02", "operasi")]
    assert drafts.item(0, "selisih") == Decimal(1_700_000_000 - 1_676_945_400)


# --- R004: anggaran stated unlike the DPA pagu ------------------------------------------------
def test_r004_fires_for_the_real_400_rupiah_case(dpa):
    k = kiriman(
        4,
        "pemberdayaan-koperasi",
        [["2.17.06.1.01.01", UR_0601, "Belanja Operasi", "Rp 678.379.700", "Rp 200.000.000", ""]],
    )
    table, drafts, held = reconcile(accepted(k), dpa, in_force(dpa, 4), TAHUN, 4)
    assert rules(drafts) == [("R004", 4, "2.17.06.1.01.01", "operasi")]
    f = drafts.row(0, named=True)
    assert (f["nilai"], f["nilai_diharapkan"]) == ("678.379.700", "678.380.100")
    assert f["selisih"] == Decimal(-400)
    # A warning: the realisation goes through, against the DPA's pagu.
    assert held.height == 0
    tw4 = line(table, 4, "2.17.06.1.01.01")
    assert tw4["pagu"] == Decimal(678_380_100)
    assert tw4["realisasi_kumulatif"] == Decimal(200_000_000)


def test_r004_near_miss_the_dpa_pagu_stated_exactly(dpa):
    k = kiriman(
        4,
        "pemberdayaan-koperasi",
        [["2.17.06.1.01.01", UR_0601, "Belanja Operasi", "Rp 678.380.100", "Rp 200.000.000", ""]],
    )
    _, drafts, _ = reconcile(accepted(k), dpa, in_force(dpa, 4), TAHUN, 4)
    assert drafts.height == 0


def test_r004_near_miss_kode_rekening_rows_add_up_to_the_pagu(dpa):
    k = kiriman(
        4,
        "pemberdayaan-koperasi",
        [
            [
                "2.17.06.1.01.01",
                "5.1.02.01.01.0024",
                "Belanja ATK",
                "400.000.000",
                "100.000.000",
                "",
            ],
            [
                "2.17.06.1.01.01",
                "5.1.02.04.01.0001",
                "Perjalanan Dinas",
                "278.380.100",
                "50.000.000",
                "",
            ],
        ],
        header=KEUANGAN_REKENING,
    )
    table, drafts, _ = reconcile(accepted(k), dpa, in_force(dpa, 4), TAHUN, 4)
    assert drafts.height == 0
    assert line(table, 4, "2.17.06.1.01.01")["realisasi_triwulan"] == Decimal(150_000_000)


def test_r004_fires_for_the_murni_pagu_copied_after_the_revision(dpa):
    rows = [["2.17.06.1.01.01", UR_0601, "Belanja Operasi", "726.314.100", "1.000.000", ""]]
    _, before, _ = reconcile(
        accepted(kiriman(3, "pemberdayaan-koperasi", rows)), dpa, in_force(dpa, 3), TAHUN, 3
    )
    assert before.height == 0  # murni in force at TW3: the same figure is right
    _, after, _ = reconcile(
        accepted(kiriman(4, "pemberdayaan-koperasi", rows)), dpa, in_force(dpa, 4), TAHUN, 4
    )
    assert rules(after) == [("R004", 4, "2.17.06.1.01.01", "operasi")]
    assert after.item(0, "selisih") == Decimal(726_314_100 - 678_380_100)


# --- R005: stated kumulatif unlike the sum of the quarters ------------------------------------
def test_r005_fires_when_the_stated_cumulative_is_not_the_sum_of_quarters(dpa):
    k1 = kiriman(
        1,
        "pemberdayaan-koperasi",
        [["2.17.05.1.01.01", "Diklat", "Operasi", "", "100.000.000", "100.000.000"]],
    )
    k2 = kiriman(
        2,
        "pemberdayaan-koperasi",
        [["2.17.05.1.01.01", "Diklat", "Operasi", "", "50.000.000", "160.000.000"]],
    )
    table, drafts, held = reconcile(accepted(k1, k2), dpa, in_force(dpa, 2), TAHUN, 2)
    assert rules(drafts) == [("R005", 2, "2.17.05.1.01.01", "operasi")]
    f = drafts.row(0, named=True)
    assert (f["nilai"], f["nilai_diharapkan"]) == ("160.000.000", "150.000.000")
    assert f["selisih"] == Decimal(10_000_000)
    assert held.height == 0  # a warning; the sum of the quarters is what is published
    assert line(table, 2, "2.17.05.1.01.01")["realisasi_kumulatif"] == Decimal(150_000_000)


def test_r005_fires_at_tw1_when_the_cumulative_is_not_the_quarter(dpa):
    k1 = kiriman(
        1,
        "pemberdayaan-koperasi",
        [["2.17.05.1.01.01", "Diklat", "Operasi", "", "100.000.000", "1.000.000"]],
    )
    _, drafts, _ = reconcile(accepted(k1), dpa, in_force(dpa, 1), TAHUN, 1)
    assert rules(drafts) == [("R005", 1, "2.17.05.1.01.01", "operasi")]


def test_r005_near_miss_cumulative_right_or_not_stated(dpa):
    k1 = kiriman(
        1,
        "pemberdayaan-koperasi",
        [["2.17.05.1.01.01", "Diklat", "Operasi", "", "100.000.000", "100.000.000"]],
    )
    k2 = kiriman(
        2,
        "pemberdayaan-koperasi",
        [["2.17.05.1.01.01", "Diklat", "Operasi", "", "50.000.000", "150.000.000"]],
    )
    k3 = kiriman(
        3,
        "pemberdayaan-koperasi",
        [["2.17.05.1.01.01", "Diklat", "Operasi", "25.000.000"]],
        header=["Kode Sub Kegiatan", "Uraian", "Jenis Belanja", "Realisasi Triwulan Ini"],
    )
    table, drafts, _ = reconcile(accepted(k1, k2, k3), dpa, in_force(dpa, 3), TAHUN, 3)
    assert drafts.height == 0
    assert line(table, 3, "2.17.05.1.01.01")["realisasi_kumulatif"] == Decimal(175_000_000)


# --- R001-R005 and R010 together: levels and where the rows end up ----------------------------
def test_errors_are_quarantined_and_warnings_go_through(refs):
    k = kiriman(
        4,
        "pemberdayaan-koperasi",
        [
            [
                "2.17.06.1.01.01",
                UR_0601,
                "Belanja Operasi",
                "678.379.700",
                "200.000.000",
                "200.000.000",
            ],
            [
                "2.17.06.1.01.04",
                "Tidak ada di DPA",
                "Belanja Operasi",
                "",
                "1.000.000",
                "1.000.000",
            ],
            [
                "2.17.06.1.01.03",
                "Penumbuhan Kesadaran",
                "Belanja Modal",
                "",
                "2.000.000",
                "2.000.000",
            ],
            ["2.17.07.1.01.02", "SDM UMKM", "Belanja Operasi", "", "3.000.000", "3.000.000"],
            [
                "2.17.05.1.01.01",
                "Diklat",
                "Belanja Operasi",
                "544.744.000",
                "600.000.000",
                "600.000.000",
            ],
        ],
    )
    result = consolidate(
        refs,
        [k],
        tahun=TAHUN,
        triwulan=4,
        run_id="2023-tw4-uji",
        sent={
            (q, b)
            for q in (1, 2, 3, 4)
            for b in (
                "sekretariat",
                "kelembagaan-pengawasan",
                "pemberdayaan-koperasi",
                "usaha-kecil",
            )
        },
    )
    temuan = result.temuan
    got = sorted(temuan.select("aturan", "tingkat", "kode", "baris").rows())
    assert got == [
        ("R001", "error", "2.17.06.1.01.04", 3),
        ("R002", "error", "2.17.07.1.01.02", 5),
        ("R003", "error", "2.17.05.1.01.01", 6),
        ("R004", "peringatan", "2.17.06.1.01.01", 2),
        ("R010", "error", "2.17.06.1.01.03", 4),
    ]
    karantina = result.karantina.select("baris", "status", "aturan").sort("baris").rows()
    assert karantina == [
        (3, "karantina", "R001"),
        (4, "karantina", "R010"),
        (5, "karantina", "R002"),
        (6, "karantina", "R003"),
    ]
    facts = result.realisasi_anggaran.filter(pl.col("triwulan") == 4)
    assert line(facts, 4, "2.17.06.1.01.01")["realisasi_kumulatif"] == Decimal(200_000_000)
    assert line(facts, 4, "2.17.05.1.01.01")["realisasi_kumulatif"] == Decimal(0)
    assert line(facts, 4, "2.17.07.1.01.02")["realisasi_kumulatif"] == Decimal(0)
    assert "2.17.06.1.01.04" not in facts.get_column("kode_sub_kegiatan").to_list()
    # Every row read is in the facts or in karantina (the reference files are counted too).
    export = result.hitungan.filter(~pl.col("berkas").str.contains("referensi"))
    assert dict(export.select("status", "baris").rows()) == {"diterima": 1, "karantina": 4}


# --- R006: a bidang sent nothing for a quarter (pure) ----------------------------------------
def test_r006_names_each_bidang_and_quarter_without_files(refs):
    k = kiriman(
        1, "sekretariat", [["2.17.01.1.01.01", "Perencanaan", "Operasi", "", "1.000.000", ""]]
    )
    sent = {(1, "sekretariat"), (1, "kelembagaan-pengawasan"), (1, "pemberdayaan-koperasi")}
    sent |= {(2, b) for b in ("sekretariat", "kelembagaan-pengawasan", "usaha-kecil")}
    result = consolidate(refs, [k], tahun=TAHUN, triwulan=2, run_id="x", sent=sent)
    r006 = result.temuan.filter(pl.col("aturan") == "R006")
    assert sorted(r006.select("triwulan", "kode_bidang", "tingkat").rows()) == [
        (1, "usaha-kecil", "peringatan"),
        (2, "pemberdayaan-koperasi", "peringatan"),
    ]


# --- R007 / R008: the DPA itself (pure) -------------------------------------------------------
def prepare(extra: list[list[str]], hierarki: list[list[str]] = HIERARKI_ROWS):
    refs = references(dpa_rows(extra))
    h = referensi("hierarki", ["kode", "level", "uraian"], hierarki)
    return dpa_stage.prepare(refs["dpa"].rows, h.rows, refs["bidang"].rows)


def test_r007_fires_for_a_kegiatan_rollup_off_by_400():
    # 2.17.06.1.01 perubahan: 678.380.100 + 250.000.000 = 928.380.100; printed 400 less.
    _, drafts, _ = prepare([[*PERUBAHAN, "2.17.06.1.01", "", "928379700"]])
    assert drafts.select("aturan", "kode", "nilai", "nilai_diharapkan", "selisih").rows() == [
        ("R007", "2.17.06.1.01", "928.379.700", "928.380.100", Decimal(-400))
    ]


def test_r007_near_miss_rollups_equal_to_their_lines():
    table, drafts, _ = prepare(
        [
            # all kinds of spending together: 550.121.900 + 342.032.100 + 2.000.000.000
            [*MURNI, "2.17.07.1.01", "", "2892154000"],
            # operasi only: 550.121.900 + 2.000.000.000
            [*MURNI, "2.17.07.1.01", "operasi", "2550121900"],
            [*MURNI, "2.17.07", "modal", "342032100"],
        ]
    )
    assert drafts.height == 0
    # Roll-ups are never data.
    assert set(table.get_column("kode_sub_kegiatan").str.count_matches(r"\.").to_list()) == {5}
    assert table.height == 2 * len(DPA_LINES)


def test_r008_fires_for_a_line_under_a_rollup_that_is_not_its_prefix():
    _, drafts, _ = prepare(
        [
            # The file gives the line's own kegiatan a roll-up (with the line: 1.229.300.100)
            [*PERUBAHAN, "2.17.06.1.01", "", "1229300100"],
            # 582.098.200 + 258.992.600 + 1.676.945.400: right, but the next line is not its own
            [*PERUBAHAN, "2.17.07.1.01", "", "2518036200"],
            [*PERUBAHAN, "2.17.06.1.01.02", "operasi", "300920000"],
        ]
    )
    assert drafts.select("aturan", "kode", "keterangan").rows() == [
        (
            "R008",
            "2.17.06.1.01.02",
            "kode 2.17.06.1.01.02 tercantum di bawah 2.17.07.1.01, padahal induknya seharusnya "
            "kode yang menjadi awalannya",
        )
    ]


def test_r008_near_miss_partial_rollups_do_not_flood():
    # A DPA may give a roll-up for one kegiatan only: the lines after it that belong to
    # kegiatan without a roll-up row are not "misplaced".
    _, drafts, _ = prepare(
        [[*PERUBAHAN, "2.17.07.1.01", "", "2518036200"]]
        + [[*PERUBAHAN, "2.17.06.1.01.02", "operasi", "300920000"]]
    )
    assert drafts.filter(pl.col("keterangan").str.contains("tercantum di bawah")).height == 0


def test_r008_near_miss_lines_listed_under_their_own_rollups():
    structured = [
        *([*MURNI, k, j, m] for k, j, m, _ in DPA_LINES),
        [*PERUBAHAN, "2.17.01", "", "281482200"],
        [*PERUBAHAN, "2.17.01.1.01", "", "281482200"],
        [*PERUBAHAN, "2.17.01.1.01.01", "operasi", "281482200"],
        [*PERUBAHAN, "2.17.05", "", "544744000"],
        [*PERUBAHAN, "2.17.05.1.01.01", "operasi", "544744000"],  # straight under its program
        [*PERUBAHAN, "2.17.06", "", "928380100"],
        [*PERUBAHAN, "2.17.06.1.01", "", "928380100"],
        [*PERUBAHAN, "2.17.06.1.01.01", "operasi", "678380100"],
        [*PERUBAHAN, "2.17.06.1.01.03", "operasi", "250000000"],
        [*PERUBAHAN, "2.17.07", "", "2518036200"],
        [*PERUBAHAN, "2.17.07.1.01", "modal", "258992600"],
        [*PERUBAHAN, "2.17.07.1.01.01", "operasi", "582098200"],
        [*PERUBAHAN, "2.17.07.1.01.01", "modal", "258992600"],
        [*PERUBAHAN, "2.17.07.1.01.02", "operasi", "1676945400"],
    ]
    refs = references(structured)
    table, drafts, held = dpa_stage.prepare(
        refs["dpa"].rows, refs["hierarki"].rows, refs["bidang"].rows
    )
    assert drafts.height == 0
    assert held.height == 0
    assert table.height == 2 * len(DPA_LINES)


def test_r008_fires_for_one_code_with_two_uraian_and_not_for_a_spelling_variant():
    hierarki = [
        *HIERARKI_ROWS,
        ["2.17.06.1.01.01", "sub_kegiatan", "Penumbuhan Kesadaran Keluarga dalam Berkoperasi"],
        # the same name in capitals, extra spaces and a full stop: not a second name
        [
            "2.17.06.1.01",
            "kegiatan",
            "PEMBERDAYAAN DAN PERLINDUNGAN KOPERASI YANG KEANGGOTAANNYA LINTAS DAERAH "
            "KABUPATEN/KOTA  DALAM 1 (SATU) DAERAH PROVINSI.",
        ],
    ]
    _, drafts, _ = prepare([], hierarki)
    assert drafts.select("aturan", "kode", "nilai").rows() == [
        ("R008", "2.17.06.1.01.01", "Penumbuhan Kesadaran Keluarga dalam Berkoperasi")
    ]


# --- R009: indicators (pure) ------------------------------------------------------------------
def kinerja(rows: list[list[str]], triwulan: int = 4, kode_bidang: str = "sekretariat"):
    k = kiriman(triwulan, kode_bidang, rows, header=KINERJA, nama="kinerja.csv")
    out = k.kinerja.filter(pl.col("status") == "diterima")
    assert out.height == len(rows)
    return out


def test_r009_fires_for_an_unknown_indicator_and_for_a_different_target(refs):
    rows = kinerja(
        [
            ["S1", "Indeks Kepuasan Masyarakat", "Nilai", "80", "82"],
            ["S1", "Capaian SAKIP Perangkat Daerah", "Nilai", "75", "80"],
        ]
    )
    table, drafts, _ = capaian_table(rows, refs["indikator"].rows, TAHUN, 4)
    assert set(drafts.select("aturan", "kode", "nilai", "nilai_diharapkan").rows()) == {
        ("R009", "S1", "Indeks Kepuasan Masyarakat", None),
        ("R009", "S1", "75", "70-80"),
    }
    assert drafts.get_column("baris").sort().to_list() == [2, 3]
    # A warning: the unknown indicator is still published, beside the agreed ones.
    extra = table.filter(pl.col("indikator") == "Indeks Kepuasan Masyarakat")
    assert extra.height == 1
    assert extra.item(0, "realisasi") == Decimal(82)


def test_r009_near_miss_name_differing_in_case_and_punctuation_and_same_target_spelled_otherwise(
    refs,
):
    rows = kinerja(
        [
            ["S1", "CAPAIAN SAKIP  Perangkat-Daerah.", "Nilai", "70 - 80", "80"],
            ["S2", "persentase koperasi yang berkualitas", "Persen", "25", "20"],
            ["T1", "Indeks Gini", "Nilai", "0,354", "0,36"],
        ],
        kode_bidang="sekretariat",
    )
    table, drafts, _ = capaian_table(rows, refs["indikator"].rows, TAHUN, 4)
    assert drafts.height == 0
    tw4 = table.filter(pl.col("triwulan") == 4)
    by_kode = {r["kode"]: r for r in tw4.iter_rows(named=True)}
    assert tw4.height == 3  # the agreed indicators only, each matched once
    assert by_kode["S1"]["capaian_persen"] == Decimal(100)
    assert by_kode["S2"]["capaian_persen"] == Decimal(80)  # 20 / 25
    assert by_kode["T1"]["capaian_persen"] == Decimal("98.31")


# --- R006, R007, R008 through the flow on a modified copy of the demo data --------------------
def _edit_dpa(path: Path) -> None:
    """Add roll-up rows (two wrong, three right) and list one line under a wrong roll-up."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    moved = [*PERUBAHAN, "2.17.03.1.01.02", "operasi", "1560400000"]
    assert moved in body
    body.remove(moved)
    murni_end = max(i for i, r in enumerate(body) if r[1] == "murni") + 1
    body[murni_end:murni_end] = [
        # 1.659.474.000 + 1.590.400.000 = 3.249.874.000; printed 3.000.000 more
        [*MURNI, "2.17.03.1.01", "", "3252874000"],
        [*MURNI, "2.17.07.1.01", "operasi", "2550121900"],
    ]
    body += [
        # 678.380.100 + 300.920.000 + 250.000.000 = 1.229.300.100; the report printed 1.229.299.700
        [*PERUBAHAN, "2.17.06.1.01", "", "1229299700"],
        [*PERUBAHAN, "2.17.07.1.01", "modal", "258992600"],
        [*PERUBAHAN, "2.17.03.1.02", "", "227500000"],
        moved,  # now listed under 2.17.03.1.02
    ]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *body])


def _edit_hierarki(path: Path) -> None:
    """One code used for two sub kegiatan; another repeated with only its spelling changed."""
    with path.open("a", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            [
                "2.17.01.1.05.09",
                "sub_kegiatan",
                "Penyelenggaraan Rapat Koordinasi dan Konsultasi SKPD",
            ]
        )
        w.writerow(
            [
                "2.17.01.1.05.04",
                "sub_kegiatan",
                "KOORDINASI DAN PELAKSANAAN SISTEM INFORMASI KEPEGAWAIAN.",
            ]
        )


@pytest.fixture(scope="module")
def modified_run(prefect_api, tmp_path_factory) -> dict:
    """The demo data with faults planted: one flow run for R006, R007 and R008."""
    from flows.prefect_flow import konsolidasi

    raw = tmp_path_factory.mktemp("raw-modified") / "raw"
    shutil.copytree(RAW / str(TAHUN), raw / str(TAHUN))
    year = raw / str(TAHUN)
    shutil.rmtree(year / "TW2" / "usaha-kecil")  # R006
    (year / "TW3" / "kelembagaan-pengawasan" / "realisasi_keuangan_tw3.csv").unlink()  # near miss
    _edit_dpa(year / "referensi" / "dpa.csv")
    _edit_hierarki(year / "referensi" / "hierarki.csv")
    curated = tmp_path_factory.mktemp("curated-modified")
    result = konsolidasi(tahun=TAHUN, triwulan=4, raw=raw, curated=curated)
    published = pl.scan_parquet(curated / "temuan", hive_partitioning=True).collect()
    return {**result, "curated": curated, "published": published}


def test_flow_r006_for_the_bidang_whose_tw2_folder_is_missing(modified_run):
    r006 = modified_run["published"].filter(pl.col("aturan") == "R006")
    assert r006.select("triwulan", "kode_bidang", "tingkat").rows() == [
        (2, "usaha-kecil", "peringatan")
    ]  # kelembagaan-pengawasan sent only its kinerja file in TW3: it did send something


def test_flow_r007_for_the_two_wrong_rollups_only(modified_run):
    r007 = modified_run["published"].filter(pl.col("aturan") == "R007")
    got = sorted(r007.select("kode", "tingkat", "selisih", "berkas").rows())
    assert got == [
        ("2.17.03.1.01", "error", Decimal(3_000_000), "2023/referensi/dpa.csv"),
        ("2.17.06.1.01", "error", Decimal(-400), "2023/referensi/dpa.csv"),
    ]


def test_flow_r008_for_the_misplaced_line_and_the_code_with_two_names(modified_run):
    r008 = modified_run["published"].filter(pl.col("aturan") == "R008")
    got = sorted(r008.select("kode", "tingkat", "berkas").rows())
    assert got == [
        ("2.17.01.1.05.09", "error", "2023/referensi/hierarki.csv"),
        ("2.17.03.1.01.02", "error", "2023/referensi/dpa.csv"),
    ]


def test_flow_still_publishes_the_year_with_dpa_findings(modified_run):
    curated = modified_run["curated"]
    realisasi = pl.scan_parquet(curated / "realisasi_anggaran", hive_partitioning=True).collect()
    assert realisasi.filter(pl.col("triwulan") == 4).height == 60
    # usaha-kecil sent nothing for TW2: its TW2 comes from the realisasi s/d TW it stated in
    # TW3, so it equals what its (bundled, unsent) TW2 workbook says it spent.
    tw2 = realisasi.filter((pl.col("triwulan") == 2) & (pl.col("kode_bidang") == "usaha-kecil"))
    assert tw2.height == 6
    assert set(tw2.get_column("kelengkapan").to_list()) == {"dari_kumulatif"}
    sent = read_sheets(RAW / "2023/TW2/usaha-kecil/usaha_kecil_tw2_2023.xlsx")["Keuangan"]
    spent = sum(Decimal(str(int(r[4]))) for r in sent if str(r[0]).startswith("2.17."))
    assert tw2.get_column("realisasi_triwulan").sum() == spent
