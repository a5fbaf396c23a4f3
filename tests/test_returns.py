"""Issue 11, items 1, 4 and 6: what the steward sends back to the bidang.

- the annotated return: each file a bidang sent, as .xlsx, with every cell at fault filled
  and commented and a first sheet "Temuan" linking to them; raw files untouched;
- the findings workbook: a summary, one named table per bidang, Indonesian titles,
  errors first and roots before their consequences, never a formula;
- messages that answer the steward's questions (V001 missing columns, V006 figures).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from cli_runner import run_lkjip
from fixtures_faults import (
    KELEMBAGAAN_TW4,
    SEKRETARIAT_TW4,
    consolidated,
    duplicated_line,
    edit_csv_line,
    edit_xlsx,
    minus_sign,
    xlsx_row,
)

from flows.annotated_return import FILL, OPTIONAL_COLUMNS, write_findings_workbook, write_returns
from transforms.findings import reading_order

TAHUN = 2023
LRA_SHEET = "Realisasi Anggaran"
FORMULA_TEXT = "=SUM(A1:A99)"


def hashes(raw: Path) -> dict[str, str]:
    """-> sha256 of every file under the raw folder."""
    return {
        p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(raw.rglob("*"))
        if p.is_file()
    }


def formula_text_in_a_number_cell(raw: Path) -> dict:
    """The sekretariat TW4 workbook: a kode rekening line's realisation typed as a formula
    text (a V003 on that cell); -> where."""
    number = next(
        n
        for n in range(1, 60)
        if str((xlsx_row(raw, SEKRETARIAT_TW4, LRA_SHEET, n) + [""] * 3)[2]).startswith("5.1.")
    )
    edit_xlsx(raw, SEKRETARIAT_TW4, LRA_SHEET, {f"F{number}": FORMULA_TEXT})
    return {"berkas": SEKRETARIAT_TW4, "lembar": LRA_SHEET, "baris": number, "sel": f"F{number}"}


def anchor(row: dict) -> str:
    """A finding -> the cell its comment is on: its `sel` (first cell of a range), else A<row>."""
    return row["sel"].split(":")[0] if row["sel"] else f"A{row['baris']}"


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> dict:
    """A raw copy with a CSV fault (minus sign), workbook faults (a formula text in a number
    cell, a line pasted twice), consolidated, and the TW4 return written."""
    import shutil

    from conftest import RAW

    base = tmp_path_factory.mktemp("kembali")
    raw = base / "raw"
    shutil.copytree(RAW / str(TAHUN), raw / str(TAHUN))
    csv_fault = minus_sign(raw)
    cell_fault = formula_text_in_a_number_cell(raw)
    duplicated_line(raw)
    temuan = consolidated(raw).temuan
    before = hashes(raw)
    written = write_returns(temuan, raw, TAHUN, 4, base / "kembali")
    return {
        "raw": raw,
        "temuan": temuan,
        "written": written,
        "before": before,
        "out": base / "kembali",
        "csv": csv_fault,
        "cell": cell_fault,
    }


def returned(planted: dict, berkas: str) -> Path:
    """-> the returned workbook of one raw file."""
    [item] = [w for w in planted["written"] if w.source == planted["raw"] / berkas]
    return item.target


def test_the_return_marks_each_finding_of_an_xlsx_and_a_csv_at_its_cell(planted: dict):
    temuan, raw = planted["temuan"], planted["raw"]
    assert hashes(raw) == planted["before"]  # the raw files are only read
    csv_path = returned(planted, KELEMBAGAAN_TW4)
    xlsx_path = returned(planted, SEKRETARIAT_TW4)
    assert csv_path == planted["out"] / "kelembagaan-pengawasan" / "realisasi_keuangan_tw4.csv.xlsx"
    assert xlsx_path == planted["out"] / "sekretariat" / "LRA_Sekretariat_TWIV_2023.xlsx"
    checked = set()
    for path, berkas in ((csv_path, KELEMBAGAAN_TW4), (xlsx_path, SEKRETARIAT_TW4)):
        book = openpyxl.load_workbook(path)
        assert book.sheetnames[0] == "Temuan"
        findings = temuan.filter((pl.col("berkas") == berkas) & pl.col("baris").is_not_null())
        assert findings.height > 0
        for row in findings.iter_rows(named=True):
            sheet = book[row["lembar"] or "realisasi_keuangan_tw4"]
            cell = sheet[anchor(row)]
            assert cell.fill.fgColor.rgb.endswith(FILL[row["tingkat"]].lstrip("#")), row
            assert row["aturan"] in cell.comment.text and row["tingkat"] in cell.comment.text
            assert row["pesan"] in cell.comment.text
            checked.add((berkas, row["aturan"], anchor(row)))
    csv_fault, cell_fault = planted["csv"], planted["cell"]
    assert (KELEMBAGAAN_TW4, "V004", csv_fault["sel"]) in checked
    assert (SEKRETARIAT_TW4, "V003", cell_fault["sel"]) in checked
    assert {a for b, a, _ in checked if b == SEKRETARIAT_TW4} >= {"V003", "V006"}


def test_the_return_copies_values_as_text_or_numbers_and_never_as_a_formula(planted: dict):
    csv_book = openpyxl.load_workbook(returned(planted, KELEMBAGAAN_TW4))
    xlsx_book = openpyxl.load_workbook(returned(planted, SEKRETARIAT_TW4))
    csv_sheet = csv_book["realisasi_keuangan_tw4"]
    # A CSV's cells stay the text it holds, on the row and column Excel shows.
    assert csv_sheet["E15"].value == "-12.691.614,00"
    assert csv_sheet["A3"].value == "Kode" and csv_sheet["E3"].value == "Realisasi TW"
    lra = xlsx_book[LRA_SHEET]
    assert lra[planted["cell"]["sel"]].value == FORMULA_TEXT
    assert lra[planted["cell"]["sel"]].data_type == "s"
    numbers = [c.value for r in lra.iter_rows() for c in r if isinstance(c.value, (int, float))]
    assert len(numbers) > 20  # number cells stay numbers
    for book in (csv_book, xlsx_book):
        for sheet in book.worksheets:
            assert not [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]


def test_the_temuan_sheet_lists_the_bidangs_findings_with_a_link_to_each_cell(planted: dict):
    temuan = planted["temuan"]
    book = openpyxl.load_workbook(returned(planted, SEKRETARIAT_TW4))
    sheet = book["Temuan"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Aturan", "Tingkat", "Buka sel"]
    listed = list(sheet.iter_rows(min_row=2))
    ours = temuan.filter((pl.col("kode_bidang") == "sekretariat") & (pl.col("triwulan") == 4))
    assert len(listed) == ours.height
    ids = header.index("ID temuan")
    by_id = {r["temuan_id"]: r for r in ours.iter_rows(named=True)}
    linked = 0
    for line in listed:
        row = by_id[line[ids].value]
        if row["berkas"] == SEKRETARIAT_TW4 and row["baris"] is not None:
            link = line[2].hyperlink
            assert link.location == f"'{row['lembar']}'!{anchor(row)}", link.location
            linked += 1
    assert linked >= 3
    # Errors first.
    levels = [line[1].value for line in listed]
    assert levels == sorted(levels, key=lambda t: t != "error")


def test_a_file_without_findings_is_returned_too_and_the_return_refuses_a_folder_in_raw(
    planted: dict,
):
    from flows.raw_folder import LkjipError

    kinerja = returned(planted, "2023/TW4/kelembagaan-pengawasan/capaian_kinerja_tw4.csv")
    book = openpyxl.load_workbook(kinerja)
    assert book.sheetnames == ["Temuan", "capaian_kinerja_tw4"]
    assert book["Temuan"].max_row >= 2  # the V004 of the other file is listed
    bidang = {w.kode_bidang for w in planted["written"]}
    assert "usaha-kecil" not in bidang  # no finding, nothing returned
    with pytest.raises(LkjipError, match="di dalam folder raw"):
        write_returns(planted["temuan"], planted["raw"], TAHUN, 4, planted["raw"] / "x")


# --------------------------------------------------------------------------- item 4


def test_the_findings_workbook_has_a_summary_and_a_named_table_per_bidang(planted, tmp_path):
    temuan = planted["temuan"]
    path = tmp_path / "temuan.xlsx"
    write_findings_workbook(reading_order(temuan), path)
    book = openpyxl.load_workbook(path)
    bidang = sorted(temuan.get_column("kode_bidang").drop_nulls().unique().to_list())
    assert book.sheetnames == ["Ringkasan", *bidang]
    tables = {name for sheet in book.worksheets for name in sheet.tables}
    assert tables == {"Ringkasan", *(f"Temuan_{b.replace('-', '_')}" for b in bidang)}
    summary = book["Ringkasan"]
    assert [c.value for c in summary[1]] == [
        "Bidang",
        "Aturan",
        "Arti aturan",
        "Tingkat",
        "Jumlah temuan",
    ]
    counted = {(r[0], r[1], r[3]): r[4] for r in summary.iter_rows(min_row=2, values_only=True)}
    expected = temuan.group_by("kode_bidang", "aturan", "tingkat").len()
    assert counted == {(b, a, t): n for b, a, t, n in expected.iter_rows()}
    sekretariat = book["sekretariat"]
    titles = [c.value for c in sekretariat[1]]
    assert titles[:3] == ["Aturan", "Tingkat", "Akibat dari temuan"]
    assert "Pesan dan cara memperbaiki" in titles and "kode_bidang" not in titles
    assert sekretariat.freeze_panes == "A2"
    assert sekretariat.tables["Temuan_sekretariat"].ref.startswith("A1:")
    rows = list(sekretariat.iter_rows(min_row=2, values_only=True))
    levels = [r[1] for r in rows]
    assert levels == sorted(levels, key=lambda t: t != "error")
    # The second V006 copy follows its root and names it.
    ids = titles.index("ID temuan")
    v006 = [r for r in rows if r[0] == "V006"]
    assert len(v006) == 2 and v006[0][2] is None and v006[1][2] == v006[0][ids]
    assert rows.index(v006[1]) == rows.index(v006[0]) + 1
    for sheet in book.worksheets:
        assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]


def test_the_findings_workbook_adds_status_and_acceptance_columns_when_present(tmp_path):
    base = {
        "aturan": ["R004", "V003"],
        "tingkat": ["peringatan", "error"],
        "triwulan": [4, 4],
        "kode_bidang": ["usaha-kecil", "usaha-kecil"],
        "berkas": ["a.csv", "a.csv"],
        "lembar": [None, None],
        "baris": [7, 9],
        "kolom": ["Anggaran", "Realisasi"],
        "pesan": ["pagu berbeda", "=1+1"],
        "temuan_id": ["t1", "t2"],
        "akar": [None, None],
    }
    plain = pl.DataFrame(base)
    accepted = plain.with_columns(
        status=pl.lit("masih_ada"),
        diterima=pl.Series([True, False]),
        alasan_terima=pl.Series(["tercetak di LKjIP", None]),
        diterima_oleh=pl.Series(["Kasubag Program", None]),
    )
    for frame, extra in ((plain, []), (accepted, [t for _, t, _ in OPTIONAL_COLUMNS])):
        path = tmp_path / f"temuan{len(extra)}.xlsx"
        write_findings_workbook(frame, path)
        sheet = openpyxl.load_workbook(path)["usaha-kecil"]
        titles = [c.value for c in sheet[1]]
        assert set(extra) <= set(titles)
        assert ("Status" in titles) == bool(extra)
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [r[0] for r in rows] == ["V003", "R004"]  # errors first
        assert rows[0][titles.index("Pesan dan cara memperbaiki")] == "=1+1"  # text, not formula
        if extra:
            assert rows[1][titles.index("Diterima")] == "ya"
            assert rows[1][titles.index("Alasan diterima")] == "tercetak di LKjIP"


# --------------------------------------------------------------------------- item 6


def test_v001_names_the_missing_column_and_the_header_row_of_a_csv(raw_copy: Path):
    edit_csv_line(raw_copy, KELEMBAGAAN_TW4, 3, ";Realisasi TW;", ";Real. Triwulan;")
    temuan = consolidated(raw_copy).temuan
    [finding] = temuan.filter(
        (pl.col("aturan") == "V001") & (pl.col("berkas") == KELEMBAGAAN_TW4)
    ).to_dicts()
    pesan = finding["pesan"]
    assert finding["baris"] == 3
    assert "berkas ini" in pesan and "lembar ini" not in pesan
    assert "di baris 3" in pesan and "Realisasi Triwulan Ini" in pesan and "'Kode'" in pesan
    assert "30 baris teratas" not in pesan


def test_v001_says_lembar_for_a_workbook_missing_a_required_column(raw_copy: Path):
    header = next(
        n
        for n in range(1, 30)
        if "Uraian" in map(str, xlsx_row(raw_copy, SEKRETARIAT_TW4, LRA_SHEET, n))
    )
    row = xlsx_row(raw_copy, SEKRETARIAT_TW4, LRA_SHEET, header)
    column = "ABCDEFGHIJ"[row.index("Uraian")]
    edit_xlsx(raw_copy, SEKRETARIAT_TW4, LRA_SHEET, {f"{column}{header}": "Nama Rekening"})
    temuan = consolidated(raw_copy).temuan
    [finding] = temuan.filter(
        (pl.col("aturan") == "V001") & (pl.col("berkas") == SEKRETARIAT_TW4)
    ).to_dicts()
    assert "di lembar ini" in finding["pesan"] and "Uraian" in finding["pesan"]
    assert f"baris judul kolom di baris {header}" in finding["pesan"]


def test_v006_shows_both_differing_figures(planted: dict):
    v006 = planted["temuan"].filter(pl.col("aturan") == "V006")
    rows = sorted(v006.get_column("baris").to_list())
    for pesan in v006.get_column("pesan").to_list():
        assert f"di baris {rows[0]}, " in pesan and f"di baris {rows[1]} " in pesan, pesan
        assert "realisasi triwulan " in pesan
        assert "anggaran " not in pesan.split("angka berbeda:")[1].split("(juga")[0]


# --------------------------------------------------------------------------- CLI


def test_lkjip_failures_kembalikan_writes_the_returns_and_needs_a_quarter(planted, tmp_path):
    curated = tmp_path / "curated"
    folder = curated / "temuan" / f"tahun={TAHUN}"
    folder.mkdir(parents=True)
    planted["temuan"].write_parquet(folder / "bagian.parquet")
    env = dict(os.environ)
    out = tmp_path / "kembali"
    args = ["failures", "--tahun", str(TAHUN), "--curated", str(curated)]
    done = run_lkjip(
        [*args, "--triwulan", "4", "--kembalikan", str(out), "--raw", str(planted["raw"])],
        env,
        tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "sekretariat" / "LRA_Sekretariat_TWIV_2023.xlsx").is_file()
    assert (out / "kelembagaan-pengawasan" / "realisasi_keuangan_tw4.csv.xlsx").is_file()
    assert "berkas dikembalikan" in done.stdout
    refused = run_lkjip([*args, "--kembalikan", str(out)], env, tmp_path, timeout=300)
    assert refused.returncode == 2 and "--kembalikan memerlukan --triwulan" in refused.stderr
