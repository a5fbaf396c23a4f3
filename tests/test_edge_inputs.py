"""Edge inputs that used to crash a run or mislead it: each is now a finding (issue 8, item 6).

Every case breaks a private copy of the bundled raw folder the way a bidang or the data
steward would: the sekretariat's xlsx (title rows, program/kegiatan/sub kegiatan roll-ups,
a JUMLAH row), the kelembagaan `;` Windows-1252 CSV, the pemberdayaan `,` UTF-8 BOM CSV,
usaha-kecil's xlsx, or the reference CSVs. The year is then consolidated on the pure path
(no Prefect). Every finding must quote the cell it names as the file has it written.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import fixtures_faults
import openpyxl
import polars as pl
import pytest
from fixtures_xlsx import Cell, put, write_xlsx

from transforms.year_tables import YearTables

TAHUN = 2023
KELEMBAGAAN_TW1 = "2023/TW1/kelembagaan-pengawasan/capaian_kinerja_tw1.csv"
KELEMBAGAAN_KEUANGAN_TW1 = "2023/TW1/kelembagaan-pengawasan/realisasi_keuangan_tw1.csv"
PEMBERDAYAAN_TW1 = "2023/TW1/pemberdayaan-koperasi/Capaian Kinerja TW 1.csv"
SEKRETARIAT_TW1 = "2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023.xlsx"
USAHA_KECIL_TW1 = "2023/TW1/usaha-kecil/usaha_kecil_tw1_2023.xlsx"
INDIKATOR = "2023/referensi/indikator.csv"
DPA = "2023/referensi/dpa.csv"
CP1252 = "cp1252"
DIPERIKSA = "Jumlah Koperasi yang Diperiksa dan Diawasi"
MEMENUHI = "Meningkatnya Koperasi yang Memenuhi Peraturan Perundang-Undangan"
UTF8_BOM = "utf-8-sig"


# --------------------------------------------------------------------------- helpers


def consolidated(raw: Path, triwulan: int = 1) -> YearTables:
    """Raw folder -> the year consolidated up to `triwulan`, as the flow's tasks would."""
    return fixtures_faults.consolidated(raw, triwulan)


def replace_text(path: Path, old: str, new: str, encoding: str) -> None:
    """A text file -> the same with `old` (which must be there, once) replaced by `new`."""
    text = path.read_bytes().decode(encoding)
    assert text.count(old) == 1, (path, old)
    path.write_bytes(text.replace(old, new).encode(encoding))


def append_line(path: Path, line: str, encoding: str) -> int:
    """A CSV -> the same with one more line, in its own line ending; -> that line's row number."""
    text = path.read_bytes().decode(encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    if not text.endswith(newline):
        text += newline
    text += line + newline
    path.write_bytes(text.encode(encoding))
    return text.count(newline)


def rewrite_xlsx(
    path: Path, sheet: str, cells: dict[str, Cell] | None = None, extra: list[list[Cell]] = ()
) -> int:
    """A bundled workbook -> written again from the values Excel computed, with some cells
    changed and rows added to one sheet; -> the row number of the sheet's last row."""
    book = openpyxl.load_workbook(path, data_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    for cell, value in (cells or {}).items():
        put(sheets[sheet], cell, value)
    sheets[sheet].extend(list(r) for r in extra)
    write_xlsx(path, sheets)
    return len(sheets[sheet])


def findings(result: YearTables, aturan: str) -> list[dict]:
    """Published findings of one rule, in reading order."""
    return result.temuan.filter(pl.col("aturan") == aturan).sort("berkas", "baris").to_dicts()


def held(result: YearTables, berkas: str, baris: int) -> dict:
    """-> the karantina row of a file's row (fails when the row was not held back)."""
    rows = result.karantina.filter((pl.col("berkas") == berkas) & (pl.col("baris") == baris))
    assert rows.height == 1, (berkas, baris, rows)
    return rows.row(0, named=True)


def capaian_row(result: YearTables, triwulan: int, kode: str, indikator: str = "") -> dict:
    """-> the capaian_kinerja row of an indicator (by code, and name when the code has two)."""
    rows = result.capaian_kinerja.filter(
        (pl.col("triwulan") == triwulan)
        & (pl.col("kode") == kode)
        & pl.col("indikator").str.starts_with(indikator)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def versi_per_quarter(result: YearTables) -> dict[int, set[str]]:
    """-> per quarter, the DPA versions the published realisation used."""
    frame = result.realisasi_anggaran.group_by("triwulan").agg(pl.col("versi_dpa").unique())
    return {q: set(v) for q, v in frame.iter_rows()}


# --------------------------------------------------------------------------- DPA dates


def test_one_mistyped_dpa_date_is_an_r008_and_keeps_murni_in_force_until_the_perubahan(
    raw_copy: Path,
) -> None:
    # Row 62 is the first perubahan line; its date typed with day and month swapped.
    replace_text(
        raw_copy / DPA,
        "2023,perubahan,2023-10-01,2.17.01.1.01.01,operasi,281482200",
        "2023,perubahan,2023-01-10,2.17.01.1.01.01,operasi,281482200",
        "utf-8",
    )
    result = consolidated(raw_copy, triwulan=4)

    [finding] = findings(result, "R008")
    assert finding["berkas"] == DPA
    assert finding["baris"] == 62
    assert finding["tingkat"] == "error"
    assert finding["nilai"] == "2023-01-10"
    assert "'2023-01-10'" in finding["pesan"]
    assert "2023-10-01" in finding["pesan"]
    assert "2.17.01.1.01.01" in finding["pesan"]
    assert versi_per_quarter(result) == {1: {"murni"}, 2: {"murni"}, 3: {"murni"}, 4: {"perubahan"}}
    # The row keeps its pagu and is published with its version's date.
    line = result.dpa.filter(
        (pl.col("versi") == "perubahan") & (pl.col("kode_sub_kegiatan") == "2.17.01.1.01.01")
    ).row(0, named=True)
    assert line["pagu"] == Decimal("281482200")
    dates = result.dpa.group_by("versi").agg(pl.col("tanggal_berlaku").unique())
    assert {v: [str(d) for d in ds] for v, ds in dates.iter_rows()} == {
        "murni": ["2023-01-01"],
        "perubahan": ["2023-10-01"],
    }
    tw4 = result.realisasi_anggaran.filter(
        (pl.col("triwulan") == 4) & (pl.col("kode_sub_kegiatan") == "2.17.01.1.01.01")
    )
    assert tw4.get_column("pagu").to_list() == [Decimal("281482200")]


# --------------------------------------------------------------------------- two bidang


PROGRAM_SEKRETARIAT = (
    "Persentase Ketercapaian dari Seluruh Kegiatan pada Program Penunjang Urusan "
    "Pemerintahan Daerah Provinsi"
)


def test_an_owned_indicator_sent_by_another_bidang_uses_the_owners_row_and_holds_the_other(
    raw_copy: Path,
) -> None:
    # kelembagaan's CSV sorts before the sekretariat's xlsx: before, its 90 won over the 25.
    baris = append_line(
        raw_copy / KELEMBAGAAN_TW1, f"2.17.01;{PROGRAM_SEKRETARIAT};Persen;100;90", CP1252
    )
    result = consolidated(raw_copy)

    assert capaian_row(result, 1, "2.17.01")["realisasi"] == Decimal(25)
    assert capaian_row(result, 1, "2.17.01")["kode_bidang"] == "sekretariat"
    [finding] = findings(result, "R002")
    assert (finding["berkas"], finding["baris"], finding["tingkat"]) == (
        KELEMBAGAAN_TW1,
        baris,
        "error",
    )
    assert finding["kode_bidang"] == "kelembagaan-pengawasan"
    assert f"'{PROGRAM_SEKRETARIAT}'" in finding["pesan"]
    assert "milik bidang sekretariat" in finding["pesan"]
    assert SEKRETARIAT_TW1 in finding["pesan"]  # where the report that is used sits
    row = held(result, KELEMBAGAAN_TW1, baris)
    assert (row["status"], row["aturan"]) == ("karantina", "R002")


def test_an_indicator_without_owner_sent_by_two_bidang_holds_both_reports(
    raw_copy: Path,
) -> None:
    # Indeks Gini (T1, tujuan daerah) has no kode_bidang in indikator.csv.
    csv_row = append_line(
        raw_copy / PEMBERDAYAAN_TW1, 'T1,Indeks Gini,Nilai,"0,354","0,36"', UTF8_BOM
    )
    xlsx_row = rewrite_xlsx(
        raw_copy / USAHA_KECIL_TW1, "Kinerja", extra=[["T1", "Indeks gini", "Nilai", "0,354", 0.35]]
    )
    result = consolidated(raw_copy)

    assert capaian_row(result, 1, "T1", "Indeks Gini")["realisasi"] is None
    found = findings(result, "V006")
    assert [(f["berkas"], f["baris"]) for f in found] == [
        (PEMBERDAYAAN_TW1, csv_row),
        (USAHA_KECIL_TW1, xlsx_row),
    ]
    by_file = {f["berkas"]: f for f in found}
    assert "'Indeks Gini'" in by_file[PEMBERDAYAAN_TW1]["pesan"]
    assert "'Indeks gini'" in by_file[USAHA_KECIL_TW1]["pesan"]
    assert "bidang usaha-kecil" in by_file[PEMBERDAYAAN_TW1]["pesan"]
    assert "bidang pemberdayaan-koperasi" in by_file[USAHA_KECIL_TW1]["pesan"]
    assert all(f["tingkat"] == "error" for f in found)
    for berkas, baris in ((PEMBERDAYAAN_TW1, csv_row), (USAHA_KECIL_TW1, xlsx_row)):
        row = held(result, berkas, baris)
        assert (row["status"], row["aturan"]) == ("karantina", "V006")


# --------------------------------------------------------------------------- overflow


def target_one(raw: Path, realisasi: str) -> None:
    """Raw copy -> indicator 2.17.03.1.01.01 agreed at 1 and reported at 1 with `realisasi`."""
    replace_text(
        raw / INDIKATOR,
        ",Dokumen,12,positif,kelembagaan-pengawasan,12",
        ",Dokumen,1,positif,kelembagaan-pengawasan,1",
        "utf-8",
    )
    replace_text(raw / KELEMBAGAAN_TW1, ";Dokumen;12;3", f";Dokumen;1;{realisasi}", CP1252)


def test_a_capaian_of_ten_million_percent_is_v003_not_a_crashed_run(raw_copy: Path) -> None:
    target_one(raw_copy, "100000")
    result = consolidated(raw_copy)

    [finding] = findings(result, "V003")
    assert (finding["berkas"], finding["baris"], finding["kolom"]) == (
        KELEMBAGAAN_TW1,
        6,
        "Realisasi",
    )
    assert "'100000'" in finding["pesan"]
    assert "10.000.000,00%" in finding["pesan"]
    assert "terlalu besar" in finding["pesan"]
    assert capaian_row(result, 1, "2.17.03.1.01.01")["capaian_persen"] is None
    assert held(result, KELEMBAGAAN_TW1, 6)["aturan"] == "V003"


def test_near_miss_the_largest_capaian_the_column_holds_is_published(raw_copy: Path) -> None:
    target_one(raw_copy, "99999,99")
    result = consolidated(raw_copy)

    assert findings(result, "V003") == []
    row = capaian_row(result, 1, "2.17.03.1.01.01")
    assert (row["capaian_persen"], row["predikat"]) == (Decimal("9999999.00"), "Sangat Tinggi")


@pytest.mark.parametrize(
    "written",
    ["999.999.999.999.999", "9.999.999.999.999.999", "1.000.000.000.000.000.000"],
)
def test_a_15_digit_or_larger_realisasi_in_a_csv_is_v003_too_large(
    raw_copy: Path, written: str
) -> None:
    replace_text(
        raw_copy / KELEMBAGAAN_KEUANGAN_TW1,
        ";5.1.02.01.01.0052;829.737.000,00;153.442.786,00;153.442.786,00;",
        f";5.1.02.01.01.0052;829.737.000,00;{written};153.442.786,00;",
        CP1252,
    )
    result = consolidated(raw_copy)

    [finding] = findings(result, "V003")
    assert (finding["berkas"], finding["baris"], finding["kolom"], finding["sel"]) == (
        KELEMBAGAAN_KEUANGAN_TW1,
        6,
        "Realisasi TW",
        "E6",
    )
    assert f"'{written}'" in finding["pesan"]
    assert "terlalu besar" in finding["pesan"]
    assert held(result, KELEMBAGAAN_KEUANGAN_TW1, 6)["aturan"] == "V003"


def test_near_miss_a_14_digit_realisasi_is_read_and_held_by_the_pagu(raw_copy: Path) -> None:
    replace_text(
        raw_copy / KELEMBAGAAN_KEUANGAN_TW1,
        ";5.1.02.01.01.0052;829.737.000,00;153.442.786,00;153.442.786,00;",
        ";5.1.02.01.01.0052;829.737.000,00;99.999.999.999.999;99.999.999.999.999;",
        CP1252,
    )
    result = consolidated(raw_copy, triwulan=4)

    assert findings(result, "V003") == []
    assert "R003" in held(result, KELEMBAGAAN_KEUANGAN_TW1, 6)["aturan"]


def test_a_15_digit_realisasi_in_an_xlsx_with_rollups_is_v003_too_large(raw_copy: Path) -> None:
    # Row 11: 2.17.01.1.01.01 / 5.1.02.01.01.0024, under its sub kegiatan, kegiatan and
    # program roll-ups; a number cell, as Excel keeps it.
    rewrite_xlsx(raw_copy / SEKRETARIAT_TW1, "Realisasi Anggaran", {"F11": 999999999999999})
    result = consolidated(raw_copy)

    [finding] = findings(result, "V003")
    assert (finding["berkas"], finding["lembar"], finding["sel"]) == (
        SEKRETARIAT_TW1,
        "Realisasi Anggaran",
        "F11",
    )
    assert "'999999999999999'" in finding["pesan"]
    assert "terlalu besar" in finding["pesan"]
    assert held(result, SEKRETARIAT_TW1, 11)["aturan"] == "V003"


def test_a_15_digit_indicator_realisation_is_v003_too_large(raw_copy: Path) -> None:
    replace_text(
        raw_copy / KELEMBAGAAN_TW1,
        f"2.17.03.1.01;{DIPERIKSA};Unit;400;100",
        f"2.17.03.1.01;{DIPERIKSA};Unit;400;999999999999999",
        CP1252,
    )
    result = consolidated(raw_copy)

    [finding] = findings(result, "V003")
    assert (finding["berkas"], finding["baris"], finding["kolom"]) == (
        KELEMBAGAAN_TW1,
        4,
        "Realisasi",
    )
    assert "'999999999999999'" in finding["pesan"]
    assert "terlalu besar" in finding["pesan"]


# --------------------------------------------------------------------------- predikat


def test_predikat_is_decided_on_the_unrounded_capaian(raw_copy: Path) -> None:
    replace_text(
        raw_copy / INDIKATOR,
        f"{MEMENUHI},Unit Usaha,400,positif,kelembagaan-pengawasan,400",
        f"{MEMENUHI},Unit Usaha,200,positif,kelembagaan-pengawasan,200",
        "utf-8",
    )
    replace_text(
        raw_copy / KELEMBAGAAN_TW1,
        f"2.17.03.1.01.02;{MEMENUHI};Unit Usaha;400;100",
        f"2.17.03.1.01.02;{MEMENUHI};Unit Usaha;200;181,99",
        CP1252,
    )
    result = consolidated(raw_copy)

    row = capaian_row(result, 1, "2.17.03.1.01.02")
    assert row["realisasi"] == Decimal("181.99")
    assert row["capaian_persen"] == Decimal("91.00")  # 90,995 shown rounded half up
    assert row["predikat"] == "Tinggi"  # 90,995 < 91
    assert findings(result, "V003") == [] and findings(result, "R009") == []


# --------------------------------------------------------------------------- "80%"


def test_a_percent_sign_reads_alike_in_the_target_and_the_realisation(raw_copy: Path) -> None:
    replace_text(
        raw_copy / KELEMBAGAAN_TW1,
        "2.17.03;Persentase Koperasi Aktif;Persen;25;6",
        "2.17.03;Persentase Koperasi Aktif;Persen;25 %;20,5%",
        CP1252,
    )
    replace_text(
        raw_copy / PEMBERDAYAAN_TW1,
        "2.17.05,Persentase Peningkatan Diklat SDM Perkoperasian,Persen,100,25",
        "2.17.05,Persentase Peningkatan Diklat SDM Perkoperasian,Persen,100%,80 %",
        UTF8_BOM,
    )
    result = consolidated(raw_copy)

    assert result.temuan.filter(pl.col("aturan").is_in(["V003", "R009"])).height == 0
    aktif = capaian_row(result, 1, "2.17.03")
    assert (aktif["realisasi"], aktif["capaian_persen"]) == (Decimal("20.5"), Decimal("82.00"))
    diklat = capaian_row(result, 1, "2.17.05")
    assert (diklat["realisasi"], diklat["capaian_persen"]) == (Decimal(80), Decimal(80))
    assert result.karantina.filter(pl.col("tabel") == "kinerja").height == 0
