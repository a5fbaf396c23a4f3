"""Each V rule fires on a file a bidang could plausibly send (DATA-CONTRACT.md section 2).

Fixtures are small exports in the real shapes (see tests/fixtures_xlsx.py): the
sekretariat's LRA workbook with title rows, roll-ups and a signature block, a plain
workbook, a ';' Windows-1252 CSV with decimal commas and a ',' UTF-8-BOM CSV with "Rp"
amounts. Each test breaks one thing the way people break it, then checks the finding a
steward reads (rule, level, the row and cell the spreadsheet shows, the header as
written, the message) and the near miss that must not fire.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from fixtures_xlsx import (
    CSV_SEMICOLON_HEADER,
    PLAIN_HEADER,
    comma_rows,
    lra_rows,
    plain_rows,
    put,
    semicolon_rows,
    write_comma_csv,
    write_semicolon_csv,
    write_xlsx,
)

from flows.raw_folder import relative
from flows.readers import read_file
from transforms.findings import finalize
from transforms.ingest import Submission, ingest

LRA_SHEET = "Realisasi Anggaran"


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """-> a raw folder with an empty raw/2023/TW1/sekretariat/ to put exports in."""
    (tmp_path / "raw" / "2023" / "TW1" / "sekretariat").mkdir(parents=True)
    return tmp_path / "raw"


def folder(raw: Path) -> Path:
    """-> the sekretariat's TW1 folder."""
    return raw / "2023" / "TW1" / "sekretariat"


def berkas(raw: Path, path: Path) -> str:
    """-> the file's name as findings give it (relative to the raw folder)."""
    return relative(path, raw)


def submit(raw: Path, *paths: Path) -> tuple[Submission, pl.DataFrame]:
    """Files of one submission -> (ingested submission, finalized findings)."""
    files = [read_file(p, berkas(raw, p)) for p in paths]
    kiriman = ingest(files, tahun=2023, triwulan=1, kode_bidang="sekretariat")
    return kiriman, finalize(kiriman.temuan, "test")


def only(temuan: pl.DataFrame, aturan: str) -> list[dict]:
    """-> the findings of one rule as dicts, in the order finalize sorted them."""
    return temuan.filter(pl.col("aturan") == aturan).to_dicts()


def rules(temuan: pl.DataFrame) -> set[str]:
    """-> the rule codes among the findings."""
    return set(temuan.get_column("aturan").to_list())


def status(kiriman: Submission, name: str, baris: int) -> str:
    """-> the status of one keuangan row, found by its file name and spreadsheet row."""
    rows = kiriman.keuangan.filter(
        pl.col("berkas").str.ends_with("/" + name) & (pl.col("baris") == baris)
    )
    assert rows.height == 1, f"{name} row {baris}: {rows.height} staged rows"
    return rows.item(0, "status")


def statuses(kiriman: Submission, name: str) -> dict[int, str]:
    """-> {spreadsheet row: status} of a file's keuangan rows."""
    rows = kiriman.keuangan.filter(pl.col("berkas").str.ends_with("/" + name))
    return dict(rows.select("baris", "status").iter_rows())


def assert_message(finding: dict, *words: str) -> None:
    """The message names the file (and the row when there is one) and says it in Indonesian."""
    pesan = finding["pesan"]
    assert pesan.startswith(f"Berkas {finding['berkas']}"), pesan
    if finding["lembar"] is not None:
        assert f"lembar '{finding['lembar']}'" in pesan, pesan
    if finding["baris"] is not None:
        assert f"baris {finding['baris']}" in pesan, pesan
    for word in words:
        assert word in pesan, (word, pesan)


def lra(raw: Path, rows=None, name: str = "LRA_Sekretariat_TWI_2023.xlsx") -> Path:
    """-> the sekretariat workbook written to the folder (the clean one by default)."""
    return write_xlsx(folder(raw) / name, {LRA_SHEET: lra_rows() if rows is None else rows})


def plain(raw: Path, rows=None, name: str = "realisasi_tw1.xlsx") -> Path:
    """-> the plain workbook written to the folder (the clean one by default)."""
    return write_xlsx(folder(raw) / name, {"Keuangan": plain_rows() if rows is None else rows})


# --------------------------------------------------------------------------- no fault


def test_clean_exports_of_every_shape_have_no_finding_and_every_line_is_accepted(
    raw: Path,
) -> None:
    """The near miss of every rule at once: correct roll-ups, '-' as zero, 'Rp' amounts."""
    files = [
        lra(raw),
        plain(raw),
        write_semicolon_csv(folder(raw) / "realisasi_keuangan_tw1.csv", semicolon_rows()),
        write_comma_csv(folder(raw) / "Realisasi TW 1.csv", comma_rows()),
    ]
    kiriman, temuan = submit(raw, *files)
    assert temuan.height == 0, temuan.get_column("pesan").to_list()
    accepted = kiriman.keuangan.filter(pl.col("status") == "diterima")
    per_file = accepted.group_by("berkas").len().sort("berkas")
    assert dict(per_file.iter_rows()) == {
        "2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023.xlsx": 4,
        "2023/TW1/sekretariat/Realisasi TW 1.csv": 2,
        "2023/TW1/sekretariat/realisasi_keuangan_tw1.csv": 3,
        "2023/TW1/sekretariat/realisasi_tw1.xlsx": 3,
    }
    # Hand-summed: 35.000.000 + 12.000.000 + 12.500.000 + 6.000.000.
    assert accepted.get_column("realisasi_triwulan").sum() == Decimal("65500000")
    # The Windows-1252 en dash and the UTF-8 BOM are decoded, not carried as mojibake.
    assert "Belanja Kawat/Faksimili/Internet/TV Berlangganan \u2013 Ruang Rapat" in (
        accepted.get_column("uraian").to_list()
    )
    assert not any("\ufeff" in h for h in kiriman.kolom.get_column("judul").to_list())


# --------------------------------------------------------------------------- V001


def test_v001_a_corrupt_xlsx_and_the_rest_of_the_submission_is_still_ingested(raw: Path) -> None:
    good = lra(raw)
    corrupt = folder(raw) / "LRA_Sekretariat_TWI_2023 (rusak).xlsx"
    data = good.read_bytes()
    corrupt.write_bytes(data[: len(data) // 2])  # a half-downloaded e-mail attachment
    kiriman, temuan = submit(raw, good, corrupt)

    [finding] = only(temuan, "V001")
    assert finding["tingkat"] == "error"
    assert finding["berkas"] == "2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023 (rusak).xlsx"
    assert finding["baris"] is None
    assert_message(finding, "tidak dapat dibaca")
    assert rules(temuan) == {"V001"}
    assert list(statuses(kiriman, good.name).values()).count("diterima") == 4


def test_v001_an_empty_zero_byte_csv(raw: Path) -> None:
    good = lra(raw)
    empty = folder(raw) / "realisasi_keuangan_tw1.csv"
    empty.write_bytes(b"")
    kiriman, temuan = submit(raw, good, empty)

    [finding] = only(temuan, "V001")
    assert finding["tingkat"] == "error"
    assert finding["berkas"] == "2023/TW1/sekretariat/realisasi_keuangan_tw1.csv"
    assert_message(finding, "kosong")
    assert list(statuses(kiriman, good.name).values()).count("diterima") == 4


def test_v001_a_pdf_in_the_folder(raw: Path) -> None:
    good = lra(raw)
    pdf = folder(raw) / "Surat Pengantar TW I.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    kiriman, temuan = submit(raw, good, pdf)

    [finding] = only(temuan, "V001")
    assert finding["tingkat"] == "error"
    assert finding["berkas"] == "2023/TW1/sekretariat/Surat Pengantar TW I.pdf"
    assert_message(finding, ".pdf")
    assert list(statuses(kiriman, good.name).values()).count("diterima") == 4


def test_v001_a_sheet_without_a_recognisable_header_beside_a_good_sheet(raw: Path) -> None:
    notes = [
        ["CATATAN PENJELASAN REALISASI TW I"],
        [],
        ["Realisasi belanja pegawai sesuai jadwal pembayaran gaji."],
        ["Kegiatan rapat koordinasi dilaksanakan pada bulan Maret."],
    ]
    path = write_xlsx(
        folder(raw) / "LRA_Sekretariat_TWI_2023.xlsx",
        {
            LRA_SHEET: lra_rows(),
            "Catatan": notes,
        },
    )
    kiriman, temuan = submit(raw, path)

    [finding] = only(temuan, "V001")
    assert finding["tingkat"] == "error"
    assert finding["lembar"] == "Catatan"
    assert_message(finding, "tidak dikenali")
    assert rules(temuan) == {"V001"}
    # The unrecognised sheet's rows are kept beside the finding, never dropped.
    assert kiriman.tak_dikenal.filter(pl.col("lembar") == "Catatan").height == 3
    assert list(statuses(kiriman, path.name).values()).count("diterima") == 4


def test_v001_a_keuangan_header_without_the_uraian_column(raw: Path) -> None:
    rows = put(lra_rows(), "D6", "Nama Rekening")  # not a spelling of Uraian
    path = lra(raw, rows)
    good = plain(raw)
    kiriman, temuan = submit(raw, path, good)

    [finding] = only(temuan, "V001")
    assert finding["tingkat"] == "error"
    assert finding["berkas"] == "2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023.xlsx"
    assert finding["lembar"] == LRA_SHEET
    assert finding["baris"] == 6  # the header row
    assert_message(finding, "Uraian")
    assert rules(temuan) == {"V001"}
    assert kiriman.keuangan.filter(pl.col("berkas").str.ends_with(path.name)).height == 0
    assert kiriman.tak_dikenal.filter(pl.col("berkas").str.ends_with(path.name)).height > 0
    assert list(statuses(kiriman, good.name).values()).count("diterima") == 3


@pytest.mark.parametrize(
    "headers",
    [
        {"E6": "Anggaran (Rp)", "F6": "Realisasi Triwulan Ini (Rp)"},
        {"D6": "URAIAN", "B6": " Kode ", "G6": "Realisasi s.d Triwulan Ini"},
        {"D6": "Program/Kegiatan/Sub Kegiatan", "F6": "REALISASI TRIWULAN INI"},
    ],
)
def test_v001_near_miss_header_spellings_are_recognised(raw: Path, headers: dict) -> None:
    rows = lra_rows()
    for cell, text in headers.items():
        put(rows, cell, text)
    kiriman, temuan = submit(raw, lra(raw, rows))
    assert temuan.height == 0, temuan.get_column("pesan").to_list()
    assert list(statuses(kiriman, "LRA_Sekretariat_TWI_2023.xlsx").values()).count("diterima") == 4


def test_a_finding_names_the_column_by_its_header_as_written(raw: Path) -> None:
    rows = put(lra_rows(), "F6", "Realisasi Triwulan Ini (Rp)")
    put(rows, "F11", "lima juta")
    _, temuan = submit(raw, lra(raw, rows))
    [finding] = only(temuan, "V003")
    assert finding["kolom"] == "Realisasi Triwulan Ini (Rp)"
    assert finding["sel"] == "F11"


# --------------------------------------------------------------------------- V002


def test_v002_a_code_with_a_wrong_part(raw: Path) -> None:
    rows = put(plain_rows(), "A4", "2.17.1.1.07.05")  # program written 1 instead of 01
    kiriman, temuan = submit(raw, plain(raw, rows))

    [finding] = only(temuan, "V002")
    assert finding["tingkat"] == "error"
    assert finding["baris"] == 4
    assert finding["sel"] == "A4"
    assert finding["kolom"] == "Kode Sub Kegiatan"
    assert finding["nilai"] == "2.17.1.1.07.05"
    assert_message(finding, "2.17.1.1.07.05", "kode sub kegiatan")
    assert rules(temuan) == {"V002"}
    assert statuses(kiriman, "realisasi_tw1.xlsx") == {
        4: "karantina",
        5: "diterima",
        6: "diterima",
        7: "total",
    }


def test_v002_a_kode_rekening_in_the_kode_column(raw: Path) -> None:
    rows = put(plain_rows(), "A5", "5.1.02.01.01.0024")
    kiriman, temuan = submit(raw, plain(raw, rows))

    [finding] = only(temuan, "V002")
    assert (finding["baris"], finding["sel"], finding["nilai"]) == (5, "A5", "5.1.02.01.01.0024")
    assert_message(finding, "5.1.02.01.01.0024")
    assert status(kiriman, "realisasi_tw1.xlsx", 5) == "karantina"


def test_v002_an_amount_with_an_empty_code(raw: Path) -> None:
    rows = put(plain_rows(), "A5", None)
    kiriman, temuan = submit(raw, plain(raw, rows))

    [finding] = only(temuan, "V002")
    assert finding["tingkat"] == "error"
    assert (finding["baris"], finding["sel"]) == (5, "A5")
    assert finding["kolom"] == "Kode Sub Kegiatan"
    assert_message(finding, "kosong")
    assert status(kiriman, "realisasi_tw1.xlsx", 5) == "karantina"


def test_v002_near_miss_rows_without_code_or_amount_are_not_data(raw: Path) -> None:
    """Title, signature and NIP lines have no code but no amount either: no V002."""
    kiriman, temuan = submit(raw, lra(raw))
    assert "V002" not in rules(temuan)
    rows = statuses(kiriman, "LRA_Sekretariat_TWI_2023.xlsx")
    assert [rows[b] for b in (20, 21, 23, 24)] == ["keterangan"] * 4


def test_v002_near_miss_a_code_with_spaces_around_it_is_accepted(raw: Path) -> None:
    rows = put(plain_rows(), "A4", "  2.17.01.1.07.05 ")
    kiriman, temuan = submit(raw, plain(raw, rows))
    assert temuan.height == 0
    assert status(kiriman, "realisasi_tw1.xlsx", 4) == "diterima"


# --------------------------------------------------------------------------- V003


def test_v003_words_in_the_realisasi_column(raw: Path) -> None:
    rows = put(lra_rows(), "F11", "satu juta")
    kiriman, temuan = submit(raw, lra(raw, rows))

    [finding] = only(temuan, "V003")
    assert finding["tingkat"] == "error"
    assert (finding["baris"], finding["sel"]) == (11, "F11")
    assert finding["kolom"] == "Realisasi Triwulan Ini"
    assert finding["nilai"] == "satu juta"
    assert finding["lembar"] == LRA_SHEET
    assert_message(finding, "'satu juta'", "tidak dapat dibaca")
    assert status(kiriman, "LRA_Sekretariat_TWI_2023.xlsx", 11) == "karantina"
    assert status(kiriman, "LRA_Sekretariat_TWI_2023.xlsx", 12) == "diterima"
    assert not {"V001", "V002", "V004", "V005", "V006", "V007"} & rules(temuan)


def test_v003_three_decimals_in_a_money_cell(raw: Path) -> None:
    rows = put(semicolon_rows(), "E7", "1.234,567")
    kiriman, temuan = submit(raw, write_semicolon_csv(folder(raw) / "keu.csv", rows))

    [finding] = only(temuan, "V003")
    assert finding["tingkat"] == "error"
    assert finding["lembar"] is None
    assert (finding["baris"], finding["sel"], finding["kolom"]) == (7, "E7", "Realisasi TW")
    assert finding["nilai"] == "1.234,567"
    assert_message(finding, "1.234,567")
    assert status(kiriman, "keu.csv", 7) == "karantina"


def test_v003_near_miss_two_decimals_in_a_money_cell_are_read(raw: Path) -> None:
    rows = semicolon_rows()
    for cell in ("F4", "F5", "F6", "F9"):  # kumulatif 12.500.000,00 -> 12.500.000,50
        put(rows, cell, "12.500.000,50" if cell != "F6" else "10.000.000,50")
    kiriman, temuan = submit(raw, write_semicolon_csv(folder(raw) / "keu.csv", rows))
    assert temuan.height == 0, temuan.get_column("pesan").to_list()
    line = kiriman.keuangan.filter(pl.col("baris") == 6)
    assert line.item(0, "realisasi_kumulatif") == Decimal("10000000.50")


def test_v003_a_csv_line_broken_by_an_unquoted_decimal_comma(raw: Path) -> None:
    rows = comma_rows()
    put(rows, "E4", "Rp 4.999.999,50")  # written unquoted: the comma splits the amount
    put(rows, "F4", "Rp 4.999.999,50")
    path = write_comma_csv(folder(raw) / "Realisasi TW 1.csv", rows)
    kiriman, temuan = submit(raw, path)

    errors = temuan.filter(pl.col("tingkat") == "error").to_dicts()
    assert [(f["aturan"], f["baris"]) for f in errors] == [("V003", 4)]
    assert_message(errors[0], "kolom")
    assert status(kiriman, path.name, 4) == "karantina"
    assert status(kiriman, path.name, 5) == "diterima"


def test_v003_near_miss_the_same_amount_quoted_is_read(raw: Path) -> None:
    rows = comma_rows()
    path = write_comma_csv(folder(raw) / "Realisasi TW 1.csv", rows)
    text = (
        path.read_bytes()
        .decode("utf-8-sig")
        .replace("Rp 5.000.000,Rp 5.000.000,Sesuai", '"Rp 5.000.000,00","Rp 5.000.000,00",Sesuai')
    )
    path.write_bytes(text.encode("utf-8-sig"))
    kiriman, temuan = submit(raw, path)
    assert temuan.height == 0, temuan.get_column("pesan").to_list()
    assert kiriman.keuangan.filter(pl.col("baris") == 4).item(0, "realisasi_triwulan") == Decimal(
        "5000000"
    )


def test_a_csv_line_with_a_stray_quote_does_not_block_the_other_lines(raw: Path) -> None:
    """DATA-CONTRACT.md section 1: "A broken line in any input never blocks the rest"."""
    rows = comma_rows()
    # A word put in quotes by hand in the middle of an unquoted export line.
    put(rows, "B4", '"Pakaian Dinas" beserta Atribut Kelengkapannya')
    path = write_comma_csv(folder(raw) / "Realisasi TW 1.csv", rows)
    kiriman, temuan = submit(raw, path)

    whole_file = temuan.filter(pl.col("baris").is_null())
    assert whole_file.height == 0, whole_file.get_column("pesan").to_list()
    assert status(kiriman, path.name, 5) == "diterima"
    assert status(kiriman, path.name, 6) == "total"
    line = status(kiriman, path.name, 4)
    if line != "diterima":  # held back: then a finding names the broken line
        assert line == "karantina"
        assert 4 in temuan.filter(pl.col("tingkat") == "error").get_column("baris").to_list()


# --------------------------------------------------------------------------- V004


def test_v004_a_negative_realisation_in_parentheses(raw: Path) -> None:
    rows = put(plain_rows(), "E6", "(1.875.900)")  # a refund written as a negative
    put(rows, "E7", 10_124_100)  # the bidang's own total includes it
    kiriman, temuan = submit(raw, plain(raw, rows))

    [finding] = only(temuan, "V004")
    assert finding["tingkat"] == "error"
    assert (finding["baris"], finding["sel"], finding["kolom"]) == (6, "E6", "Realisasi TW")
    assert finding["nilai"] == "(1.875.900)"
    assert_message(finding, "negatif")
    assert rules(temuan) == {"V004"}
    assert status(kiriman, "realisasi_tw1.xlsx", 6) == "karantina"


def test_v004_near_miss_a_dash_and_rp_dash_are_zero(raw: Path) -> None:
    rows = comma_rows()
    put(rows, "E5", "Rp -")
    put(rows, "F5", "Rp -")
    for cell in ("E2", "F2", "E3", "F3", "E6", "F6"):
        put(rows, cell, "Rp 5.000.000")
    csv_comma = write_comma_csv(folder(raw) / "Realisasi TW 1.csv", rows)
    csv_semicolon = write_semicolon_csv(folder(raw) / "keu.csv", semicolon_rows())  # row 8: "-"
    kiriman, temuan = submit(raw, csv_comma, csv_semicolon)

    assert temuan.height == 0, temuan.get_column("pesan").to_list()
    zero = kiriman.keuangan.filter(
        (pl.col("baris") == 5) & pl.col("berkas").str.ends_with(csv_comma.name)
    )
    assert zero.item(0, "realisasi_triwulan") == Decimal(0)
    assert zero.item(0, "status") == "diterima"
    dash = kiriman.keuangan.filter(
        (pl.col("baris") == 8) & pl.col("berkas").str.ends_with(csv_semicolon.name)
    )
    assert dash.item(0, "realisasi_kumulatif") == Decimal(0)
    assert dash.item(0, "status") == "diterima"


# --------------------------------------------------------------------------- V005


def test_v005_a_kode_rekening_outside_5_1_and_5_2(raw: Path) -> None:
    rows = put(lra_rows(), "C12", "4.1.01.01.01.0001")  # a revenue account
    kiriman, temuan = submit(raw, lra(raw, rows))

    [finding] = only(temuan, "V005")
    assert finding["tingkat"] == "error"
    assert (finding["baris"], finding["sel"], finding["kolom"]) == (12, "C12", "Kode Rekening")
    assert finding["nilai"] == "4.1.01.01.01.0001"
    assert_message(finding, "4.1.01.01.01.0001", "5.1", "5.2")
    assert rules(temuan) == {"V005"}
    assert status(kiriman, "LRA_Sekretariat_TWI_2023.xlsx", 12) == "karantina"


def test_v005_an_unknown_jenis_belanja(raw: Path) -> None:
    rows = put(plain_rows(), "C6", "Belanja Pegawai")
    kiriman, temuan = submit(raw, plain(raw, rows))

    [finding] = only(temuan, "V005")
    assert (finding["baris"], finding["sel"], finding["kolom"]) == (6, "C6", "Jenis Belanja")
    assert finding["nilai"] == "Belanja Pegawai"
    assert_message(finding, "'Belanja Pegawai'")
    assert rules(temuan) == {"V005"}
    assert status(kiriman, "realisasi_tw1.xlsx", 6) == "karantina"


def test_v005_a_modal_kode_rekening_declared_belanja_operasi(raw: Path) -> None:
    rows = [
        ["REALISASI BELANJA PER REKENING TW I 2023"],
        ["Kode Sub Kegiatan", "Uraian", "Kode Rekening", "Jenis Belanja", "Anggaran", "Realisasi"],
        [
            "2.17.01.1.07.06",
            "Belanja Modal Personal Computer",
            "5.2.02.10.01.0002",
            "Belanja Operasi",
            40_000_000,
            10_000_000,
        ],
        [
            "2.17.01.1.07.06",
            "Belanja Alat Tulis Kantor",
            "5.1.02.01.01.0024",
            "Belanja Operasi",
            8_000_000,
            2_000_000,
        ],
    ]
    path = write_xlsx(folder(raw) / "rekening.xlsx", {"Sheet1": rows})
    kiriman, temuan = submit(raw, path)

    [finding] = only(temuan, "V005")
    assert finding["tingkat"] == "error"
    assert (finding["baris"], finding["sel"], finding["kolom"]) == (3, "D3", "Jenis Belanja")
    assert_message(finding, "5.2.02.10.01.0002", "modal", "'Belanja Operasi'")
    # Near miss: a 5.1 account declared Belanja Operasi agrees.
    assert statuses(kiriman, "rekening.xlsx") == {3: "karantina", 4: "diterima"}


def test_v005_neither_kode_rekening_nor_jenis_belanja(raw: Path) -> None:
    rows = put(plain_rows(), "C5", None)
    kiriman, temuan = submit(raw, plain(raw, rows))

    [finding] = only(temuan, "V005")
    assert (finding["baris"], finding["sel"], finding["kolom"]) == (5, "C5", "Jenis Belanja")
    assert_message(finding, "kosong")
    assert rules(temuan) == {"V005"}
    assert status(kiriman, "realisasi_tw1.xlsx", 5) == "karantina"


# --------------------------------------------------------------------------- V006


def test_v006_the_same_file_sent_twice_is_a_warning_and_counts_once(raw: Path) -> None:
    original = lra(raw)
    copy = folder(raw) / "LRA_Sekretariat_TWI_2023 - Salin.xlsx"
    shutil.copyfile(original, copy)
    kiriman, temuan = submit(raw, original, copy)

    findings = only(temuan, "V006")
    assert len(findings) == 4  # one per data line of the copy
    assert {f["tingkat"] for f in findings} == {"peringatan"}
    assert temuan.filter(pl.col("tingkat") == "error").height == 0
    for finding in findings:
        assert_message(finding, original.name, copy.name, "sama persis")
    data = kiriman.keuangan.filter(pl.col("status").is_in(["diterima", "ganda"]))
    per_line = data.group_by("kode_sub_kegiatan", "kode_rekening").agg(
        pl.col("status").sort().alias("s")
    )
    assert per_line.height == 4
    assert per_line.get_column("s").to_list() == [["diterima", "ganda"]] * 4
    # Counted once: the accepted realisation is that of one copy (hand sum 35.000.000).
    accepted = kiriman.keuangan.filter(pl.col("status") == "diterima")
    assert accepted.get_column("realisasi_triwulan").sum() == Decimal("35000000")


def test_v006_the_same_key_with_different_figures_holds_back_every_copy(raw: Path) -> None:
    workbook = lra(raw)
    # A later "correction" sent as a separate CSV instead of a corrected workbook.
    correction = write_semicolon_csv(
        folder(raw) / "koreksi_atk.csv",
        [
            list(CSV_SEMICOLON_HEADER),
            [
                "2.17.01.1.01.01",
                "Belanja ATK",
                "5.1.02.01.01.0024",
                "20.000.000,00",
                "5.500.000,00",
                "5.500.000,00",
                "25,00",
            ],
        ],
    )
    kiriman, temuan = submit(raw, workbook, correction)

    findings = only(temuan, "V006")
    assert {(f["berkas"], f["baris"]) for f in findings} == {
        ("2023/TW1/sekretariat/LRA_Sekretariat_TWI_2023.xlsx", 11),
        ("2023/TW1/sekretariat/koreksi_atk.csv", 2),
    }
    assert {f["tingkat"] for f in findings} == {"error"}
    for finding in findings:
        assert_message(finding, "2.17.01.1.01.01", "5.1.02.01.01.0024", "berbeda")
        other = ({workbook.name, correction.name} - {Path(finding["berkas"]).name}).pop()
        assert other in finding["pesan"]
    assert status(kiriman, workbook.name, 11) == "karantina"
    assert status(kiriman, correction.name, 2) == "karantina"
    # Near miss: the other account of the same sub kegiatan is no duplicate.
    assert status(kiriman, workbook.name, 12) == "diterima"


def test_v006_one_sub_kegiatan_per_kode_rekening_and_per_jenis_belanja(raw: Path) -> None:
    workbook = lra(raw)
    summary = plain(
        raw,
        [
            list(PLAIN_HEADER),
            [
                "2.17.01.1.02.01",
                "Penyediaan Gaji dan Tunjangan ASN",
                "Operasi",
                100_000_000,
                25_000_000,
                25_000_000,
                25,
            ],
        ],
        name="ringkasan_tw1.xlsx",
    )
    kiriman, temuan = submit(raw, workbook, summary)

    findings = only(temuan, "V006")
    assert {(Path(f["berkas"]).name, f["baris"]) for f in findings} == {
        (workbook.name, 17),
        (summary.name, 2),
    }
    assert {f["tingkat"] for f in findings} == {"error"}
    for finding in findings:
        assert_message(finding, "2.17.01.1.02.01", "per kode rekening", "per jenis belanja")
    assert status(kiriman, workbook.name, 17) == "karantina"
    assert status(kiriman, summary.name, 2) == "karantina"


def test_v006_near_miss_operasi_and_modal_lines_of_one_sub_kegiatan(raw: Path) -> None:
    """2.17.01.1.07.06 has an operasi and a modal line in plain_rows: two keys, no V006."""
    kiriman, temuan = submit(raw, plain(raw))
    assert temuan.height == 0
    assert [status(kiriman, "realisasi_tw1.xlsx", b) for b in (5, 6)] == ["diterima"] * 2


# --------------------------------------------------------------------------- V007


def test_v007_realisasi_fisik_outside_0_to_100(raw: Path) -> None:
    rows = put(plain_rows(), "G4", 105)
    put(rows, "G5", 100)  # near miss: exactly 100 is fine
    put(rows, "G6", "-1")
    kiriman, temuan = submit(raw, plain(raw, rows))

    findings = only(temuan, "V007")
    assert [(f["baris"], f["sel"], f["nilai"]) for f in findings] == [
        (4, "G4", "105"),
        (6, "G6", "-1"),
    ]
    for finding in findings:
        assert finding["tingkat"] == "error"
        assert finding["kolom"] == "Fisik (%)"
        assert_message(finding, "realisasi fisik", "0-100")
    assert rules(temuan) == {"V007"}
    assert statuses(kiriman, "realisasi_tw1.xlsx") == {
        4: "karantina",
        5: "diterima",
        6: "karantina",
        7: "total",
    }


# --------------------------------------------------------------------------- V008


def test_v008_a_kegiatan_roll_up_3_000_000_off(raw: Path) -> None:
    rows = put(lra_rows(), "E9", 48_000_000)  # its lines add up to 45.000.000
    kiriman, temuan = submit(raw, lra(raw, rows))

    [finding] = temuan.to_dicts()
    assert finding["aturan"] == "V008"
    assert finding["tingkat"] == "peringatan"
    assert (finding["baris"], finding["sel"], finding["kolom"]) == (9, "E9", "Anggaran")
    assert finding["kode"] == "2.17.01.1.01"
    assert finding["nilai"] == "48.000.000"
    assert finding["nilai_diharapkan"] == "45.000.000"
    assert finding["selisih"] == Decimal("3000000")
    assert_message(finding, "2.17.01.1.01", "48.000.000", "45.000.000", "3.000.000")
    # A warning: the lines themselves still go through.
    assert list(statuses(kiriman, "LRA_Sekretariat_TWI_2023.xlsx").values()).count("diterima") == 4


def test_v008_a_jumlah_row_that_is_not_the_sum(raw: Path) -> None:
    rows = put(lra_rows(), "F18", 35_300_000)
    _, temuan = submit(raw, lra(raw, rows))

    [finding] = temuan.to_dicts()
    assert finding["aturan"] == "V008"
    assert finding["tingkat"] == "peringatan"
    assert (finding["baris"], finding["sel"]) == (18, "F18")
    assert finding["kolom"] == "Realisasi Triwulan Ini"
    assert finding["nilai"] == "35.300.000"
    assert finding["nilai_diharapkan"] == "35.000.000"
    assert finding["selisih"] == Decimal("300000")
    assert_message(finding, "JUMLAH", "35.300.000", "35.000.000")


def test_v008_a_csv_total_with_swapped_digits(raw: Path) -> None:
    rows = put(semicolon_rows(), "D9", "76.500.000,00")  # 67.500.000,00 typed as 76.5...
    _, temuan = submit(raw, write_semicolon_csv(folder(raw) / "keu.csv", rows))

    [finding] = temuan.to_dicts()
    assert (finding["aturan"], finding["baris"], finding["sel"]) == ("V008", 9, "D9")
    assert finding["kolom"] == "Anggaran"
    assert finding["nilai"] == "76.500.000"
    assert finding["nilai_diharapkan"] == "67.500.000"
    assert finding["selisih"] == Decimal("9000000")


def test_v008_near_miss_correct_roll_ups_do_not_fire(raw: Path) -> None:
    """Program, kegiatan, sub kegiatan subtotals and JUMLAH all equal their lines."""
    kiriman, temuan = submit(
        raw, lra(raw), write_semicolon_csv(folder(raw) / "keu.csv", semicolon_rows())
    )
    assert "V008" not in rules(temuan)
    lra_status = statuses(kiriman, "LRA_Sekretariat_TWI_2023.xlsx")
    assert [lra_status[b] for b in (8, 9, 10, 13, 15, 16)] == ["rollup"] * 6
    assert lra_status[18] == "total"
