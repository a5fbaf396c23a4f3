"""Faults real offices produce, planted by hand in a copy of the bundled raw folder.

Each function breaks one thing the way a bidang or the planning unit really does (a minus
sign typed into a CSV, a line pasted twice, a quarter's folder never sent, a DPA copied
from the Perjanjian Kinerja appendix) and returns what a test needs to know about it.
CSV files are edited as text in their own encoding; workbooks are read with calamine and
written back with xlsxwriter (number cells stay numbers, text stays text).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import xlsxwriter
from python_calamine import CalamineWorkbook

from flows.consolidation import consolidate_year
from schemas.curated import MODELS
from transforms.year_tables import YearTables

Cell = str | int | float | None

KELEMBAGAAN_TW4 = "2023/TW4/kelembagaan-pengawasan/realisasi_keuangan_tw4.csv"
USAHA_KECIL = "2023/TW{q}/usaha-kecil/usaha_kecil_tw{q}_2023.xlsx"
SEKRETARIAT_TW4 = "2023/TW4/sekretariat/LRA_Sekretariat_TWIV_2023.xlsx"
DPA = "2023/referensi/dpa.csv"


TAHUN = 2023


def consolidated(raw: Path, triwulan: int = 4) -> YearTables:
    """Raw folder -> the year's curated tables up to `triwulan`, from the library core
    (flows/consolidation.py: the flow's steps, without Prefect)."""
    return consolidate_year(raw, TAHUN, triwulan).tables


def published_tables(curated: Path) -> dict[str, pl.DataFrame]:
    """Curated folder -> every published table, partition keys back as typed columns."""
    out = {}
    for name in MODELS:
        frame = pl.scan_parquet(
            curated / name,
            hive_partitioning=True,
            hive_schema={"tahun": pl.Int32, "kode_opd": pl.String, "triwulan": pl.Int8},
        ).collect()
        casts = {"tahun": pl.Int32, "triwulan": pl.Int8}
        out[name] = frame.with_columns(
            [pl.col(c).cast(t) for c, t in casts.items() if c in frame.columns]
        )
    return out


# --------------------------------------------------------------------------- cells and files
def _address(cell: str) -> tuple[int, int]:
    """ "F11" -> (row index 10, column index 5)."""
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", cell).groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits) - 1, column - 1


def read_sheets(path: Path) -> dict[str, list[list[Cell]]]:
    """Workbook -> {sheet: rows of cell values} as calamine reads them ("" for empty)."""
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def write_sheets(path: Path, sheets: dict[str, list[list[Cell]]]) -> None:
    """{sheet: rows} -> a workbook: numbers as number cells, text as text, "" left empty."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == "" or value is None:
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()


def _text(value: object) -> str | None:
    """A cell as read by openpyxl or csv -> stripped text, None when blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _csv_rows(path: Path) -> list[list[str | None]]:
    """A CSV in any contract dialect -> its records, split by the separator of its first line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first = text.splitlines()[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    return [[_text(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=separator)]


def read_plainly(path: Path) -> dict[str | None, list[list[str | None]]]:
    """A file -> {sheet name (None for a CSV): rows of text cells}, without the pipeline."""
    if path.suffix.lower() == ".csv":
        return {None: _csv_rows(path)}
    workbook = openpyxl.load_workbook(path, data_only=True)
    return {
        ws.title: [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for ws in workbook.worksheets
    }


def cell_text(raw: Path, berkas: str, lembar: str | None, sel: str) -> str:
    """A file's cell as the steward sees it, read without the pipeline (CSV text as
    written, a workbook cell's value); "" when empty."""
    row, column = _address(sel)
    rows = read_plainly(raw / berkas)[lembar]
    value = rows[row][column] if row < len(rows) and column < len(rows[row]) else None
    return value or ""


def edit_csv_line(raw: Path, berkas: str, line: int, old: str, new: str) -> None:
    """Replace `old` by `new` once on one line (1-based) of a CSV, keeping its encoding."""
    path = raw / berkas
    data = path.read_bytes()
    encoding = "cp1252"
    try:
        data.decode("utf-8")
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    lines = data.decode(encoding).split("\r\n" if b"\r\n" in data else "\n")
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    newline = "\r\n" if b"\r\n" in data else "\n"
    path.write_bytes(newline.join(lines).encode(encoding))


def edit_xlsx(raw: Path, berkas: str, lembar: str, cells: dict[str, Cell]) -> None:
    """Set cells ("F7": value) of one sheet of a workbook; other sheets stay as read."""
    path = raw / berkas
    sheets = read_sheets(path)
    rows = sheets[lembar]
    for sel, value in cells.items():
        r, c = _address(sel)
        while len(rows) <= r:
            rows.append([])
        while len(rows[r]) <= c:
            rows[r].append("")
        rows[r][c] = value
    write_sheets(path, sheets)


def insert_xlsx_row(raw: Path, berkas: str, lembar: str, after: int, row: list[Cell]) -> None:
    """Insert `row` below spreadsheet row `after` of one sheet."""
    path = raw / berkas
    sheets = read_sheets(path)
    sheets[lembar].insert(after, row)
    write_sheets(path, sheets)


def xlsx_row(raw: Path, berkas: str, lembar: str, number: int) -> list[Cell]:
    """-> spreadsheet row `number` of one sheet, as calamine reads it."""
    return list(read_sheets(raw / berkas)[lembar][number - 1])


# --------------------------------------------------------------------------- the faults
def minus_sign(raw: Path) -> dict:
    """A minus typed before the realisation of line 15 of the kelembagaan TW4 CSV."""
    edit_csv_line(raw, KELEMBAGAAN_TW4, 15, ";12.691.614,00;", ";-12.691.614,00;")
    return {"berkas": KELEMBAGAAN_TW4, "baris": 15, "sel": "E15"}


def duplicated_line(raw: Path) -> dict:
    """A kode rekening line of the sekretariat TW4 workbook pasted again below itself with
    another amount (the roll-ups above it were right before the paste and stay as they were).
    """
    lembar = "Realisasi Anggaran"
    sheet = read_sheets(raw / SEKRETARIAT_TW4)[lembar]
    number = next(
        i + 1
        for i, row in enumerate(sheet)
        if len(row) > 2 and str(row[2]).startswith("5.1.") and isinstance(row[5], float)
    )
    copy = list(sheet[number - 1])
    copy[5] = copy[5] + 1_000_000
    insert_xlsx_row(raw, SEKRETARIAT_TW4, lembar, number, copy)
    return {"berkas": SEKRETARIAT_TW4, "lembar": lembar, "baris": [number, number + 1]}


def missing_quarter(raw: Path, kode_bidang: str = "usaha-kecil", triwulan: int = 2) -> None:
    """A bidang that never sent one quarter: its folder is not there."""
    shutil.rmtree(raw / "2023" / f"TW{triwulan}" / kode_bidang)


def overspend_tw4(raw: Path) -> dict:
    """usaha-kecil TW4: 2.17.08.1.01.01 operasi spends 70.000.000 more than it had, its
    stated cumulative 377.707.884 over the perubahan pagu 370.157.500 (row 7).
    """
    berkas = USAHA_KECIL.format(q=4)
    edit_xlsx(raw, berkas, "Keuangan", {"E7": 162_312_366, "F7": 377_707_884})
    return {"berkas": berkas, "lembar": "Keuangan", "baris": 7, "sel": "F7"}


def perubahan_cut(raw: Path) -> dict:
    """usaha-kecil spends 700.000.000 more on 2.17.07.1.01.02 by TW3 than the perubahan
    later allows (murni 2.000.000.000, perubahan 1.676.945.400), and nothing more in TW4.
    """
    tw3, tw4 = USAHA_KECIL.format(q=3), USAHA_KECIL.format(q=4)
    edit_xlsx(raw, tw3, "Keuangan", {"E6": 1_075_986_858, "F6": 1_752_763_201})
    edit_xlsx(raw, tw4, "Keuangan", {"E6": 0, "F6": 1_752_763_201})
    return {"kode": "2.17.07.1.01.02", "kumulatif": 1_752_763_201, "pagu": 1_676_945_400}


def pk_appendix_dpa(raw: Path) -> dict:
    """dpa.csv as the Perjanjian Kinerja appendix prints the murni version: program and
    kegiatan roll-ups with an uraian column, one kegiatan roll-up 3.000.000 off, and the
    Rapat Koordinasi line (really 2.17.01.1.06.09) printed under code 2.17.01.1.05.09,
    which is then listed twice with two names.
    """
    path = raw / DPA
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    names = {
        r["kode"]: r["uraian"]
        for r in csv.DictReader(
            io.StringIO((raw / "2023/referensi/hierarki.csv").read_text(encoding="utf-8"))
        )
    }
    out: list[dict] = []
    for versi in ("murni", "perubahan"):
        lines = [r for r in rows if r["versi"] == versi]
        seen: set[str] = set()
        for line in lines:
            kode = line["kode_sub_kegiatan"]
            for parent in (kode.rsplit(".", 3)[0], kode.rsplit(".", 1)[0]):
                if parent in seen:
                    continue
                seen.add(parent)
                pagu = sum(
                    int(x["pagu"]) for x in lines if x["kode_sub_kegiatan"].startswith(parent + ".")
                )
                if versi == "murni" and parent == "2.17.03.1.01":
                    pagu += 3_000_000
                out.append(
                    {
                        **line,
                        "kode_sub_kegiatan": parent,
                        "jenis_belanja": "",
                        "pagu": str(pagu),
                        "uraian": names.get(parent, ""),
                    }
                )
            out.append({**line, "uraian": names.get(kode, "")})
    moved = next(
        r for r in out if r["versi"] == "murni" and r["kode_sub_kegiatan"] == "2.17.01.1.06.09"
    )
    moved["kode_sub_kegiatan"] = "2.17.01.1.05.09"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=[*rows[0].keys(), "uraian"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
    path.write_text(text.getvalue(), encoding="utf-8")
    return {"kode_ganda": "2.17.01.1.05.09", "kegiatan_selisih": "2.17.03.1.01"}
