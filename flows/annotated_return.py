"""What the steward sends out: the findings workbook, and each bidang's files returned
with their faults marked.

Both are written with xlsxwriter and nothing from an input is ever written as a formula
or a link: text goes through `write_string`, and the workbook options turn off every
guess (`strings_to_formulas`, `strings_to_urls`, `strings_to_numbers`). The only links are
our own, internal ones (`internal:'Sheet'!F12`). The raw files are only read.

Annotated return (`lkjip failures --kembalikan DIR`): DIR/<kode_bidang>/<file name>, where
a workbook `x.xlsx` keeps its name and any other file gets `.xlsx` added (`x.csv` becomes
`x.csv.xlsx`, so it never collides with an `x.xlsx` the bidang also sent). Names are the
faithful text of the file names (bytes that are not UTF-8 written as \\xNN).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from flows.raw_folder import LkjipError, discover, relative
from flows.readers import open_in_child, read_file
from schemas.rules import ERROR, RULES
from transforms.findings import reading_order
from transforms.sheets import column_letter, faithful, grid_columns

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}
FILL = {ERROR: "#FFC7CE", "peringatan": "#FFEB9C"}
SUMMARY_SHEET = "Ringkasan"
FINDINGS_SHEET = "Temuan"
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")

# The findings workbook's columns: (column of temuan, title a steward reads, width).
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("aturan", "Aturan", 9),
    ("tingkat", "Tingkat", 11),
    ("akar", "Akibat dari temuan", 18),
    ("triwulan", "Triwulan", 9),
    ("kode_bidang", "Bidang", 22),
    ("berkas", "Berkas", 40),
    ("lembar", "Lembar", 20),
    ("baris", "Baris", 7),
    ("kolom", "Kolom", 22),
    ("sel", "Sel", 9),
    ("kode", "Kode", 18),
    ("jenis_belanja", "Jenis belanja", 12),
    ("nilai", "Nilai tertulis", 16),
    ("nilai_diharapkan", "Nilai seharusnya", 16),
    ("selisih", "Selisih", 16),
    ("pesan", "Pesan dan cara memperbaiki", 90),
    ("temuan_id", "ID temuan", 18),
)
# Columns of finding history and acceptance, written when the findings carry them.
OPTIONAL_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("status", "Status", 11),
    ("diterima", "Diterima", 9),
    ("alasan_terima", "Alasan diterima", 30),
    ("diterima_oleh", "Disetujui oleh", 20),
)
MONEY_FORMAT = "#,##0.00;(#,##0.00)"


def new_workbook(path: Path) -> xlsxwriter.Workbook:
    """Path -> an xlsxwriter workbook that never turns a text into a formula, link or number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)


def put(sheet: Worksheet, row: int, col: int, value: object, fmt=None) -> None:
    """One value -> one cell, by its own type: text stays text, numbers stay numbers."""
    if value is None:
        if fmt is not None:
            sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "ya" if value else "tidak", fmt)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, float(value), fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def sheet_name(text: str, taken: set[str]) -> str:
    """Text -> a valid sheet name (no []:*?/\\, at most 31 characters) not yet in `taken`."""
    base = _BAD_SHEET_CHARS.sub("_", text).strip("'") or "Data"
    name, number = base[:SHEET_NAME_MAX], 1
    while name.lower() in {t.lower() for t in taken}:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(name)
    return name


def table_name(text: str, taken: set[str]) -> str:
    """Bidang code -> an Excel table name such as Temuan_sekretariat (unique in `taken`)."""
    base = "Temuan_" + (re.sub(r"[^0-9A-Za-z_]", "_", text) or "lain")
    name, number = base, 1
    while name.lower() in {t.lower() for t in taken}:
        number += 1
        name = f"{base}_{number}"
    taken.add(name)
    return name


# --------------------------------------------------------------------- findings workbook


def findings_columns(temuan: pl.DataFrame) -> list[tuple[str, str, int]]:
    """Findings -> the workbook's columns: the fixed ones, then history/acceptance if present."""
    return [c for c in (*COLUMNS, *OPTIONAL_COLUMNS) if c[0] in temuan.columns]


def write_findings_workbook(temuan: pl.DataFrame, path: Path) -> None:
    """Findings -> a workbook to send as is: "Ringkasan", then one sheet per bidang.

    Each sheet is a named Excel table with filters and a frozen header; rows come errors
    first, each root finding followed by its consequences.
    """
    ordered = temuan if "akibat" in temuan.columns else reading_order(temuan)
    book = new_workbook(path)
    formats = {
        "pesan": book.add_format({"text_wrap": True, "valign": "top"}),
        "selisih": book.add_format({"num_format": MONEY_FORMAT, "valign": "top"}),
        "": book.add_format({"valign": "top"}),
    }
    taken_sheets, taken_tables = {SUMMARY_SHEET}, {SUMMARY_SHEET}
    _write_summary(book, ordered)
    bidang = ordered.get_column("kode_bidang").unique(maintain_order=True).sort(nulls_last=True)
    for kode in bidang.to_list():
        rows = ordered.filter(
            pl.col("kode_bidang").is_null() if kode is None else pl.col("kode_bidang") == kode
        )
        label = kode or "tanpa bidang"
        sheet = book.add_worksheet(sheet_name(label, taken_sheets))
        _write_table(sheet, rows, table_name(label, taken_tables), formats)
    book.close()


def _write_table(sheet: Worksheet, rows: pl.DataFrame, name: str, formats: dict) -> None:
    """Findings of one bidang -> a named table on `sheet`, header frozen, filters on."""
    columns = findings_columns(rows)
    for c, (column, _, width) in enumerate(columns):
        sheet.set_column(c, c, width, formats.get(column, formats[""]))
    for r, row in enumerate(rows.iter_rows(named=True), start=1):
        for c, (column, _, _) in enumerate(columns):
            value = row[column]
            if column == "akar" and not row.get("akibat"):
                value = None  # only a consequence names its root
            put(sheet, r, c, value, formats.get(column, formats[""]))
    sheet.add_table(
        0,
        0,
        max(rows.height, 1),
        len(columns) - 1,
        {"name": name, "columns": [{"header": title} for _, title, _ in columns]},
    )
    sheet.freeze_panes(1, 0)


def summary(temuan: pl.DataFrame) -> pl.DataFrame:
    """Findings -> counts per bidang × rule × level, errors first within each bidang."""
    return (
        temuan.group_by("kode_bidang", "aturan", "tingkat")
        .len("jumlah")
        .with_columns(_urut=(pl.col("tingkat") != ERROR).cast(pl.Int8))
        .sort(["kode_bidang", "_urut", "aturan"], nulls_last=True)
        .drop("_urut")
    )


def _write_summary(book: xlsxwriter.Workbook, temuan: pl.DataFrame) -> None:
    """Findings -> the "Ringkasan" sheet: how many findings per bidang, rule and level."""
    sheet = book.add_worksheet(SUMMARY_SHEET)
    titles = ["Bidang", "Aturan", "Arti aturan", "Tingkat", "Jumlah temuan"]
    for c, width in enumerate((24, 9, 50, 11, 14)):
        sheet.set_column(c, c, width)
    counts = summary(temuan)
    for r, (kode, aturan, tingkat, jumlah) in enumerate(counts.iter_rows(), start=1):
        meaning = RULES[aturan].judul if aturan in RULES else None
        for c, value in enumerate((kode or "tanpa bidang", aturan, meaning, tingkat, jumlah)):
            put(sheet, r, c, value)
    sheet.add_table(
        0,
        0,
        max(counts.height, 1),
        len(titles) - 1,
        {"name": SUMMARY_SHEET, "columns": [{"header": t} for t in titles]},
    )
    sheet.freeze_panes(1, 0)


# --------------------------------------------------------------------- annotated return


@dataclass(frozen=True)
class ReturnedFile:
    """One returned file: whose it is, the raw file it copies, and the workbook written."""

    kode_bidang: str
    source: Path
    target: Path


def return_name(path: Path) -> str:
    """Raw file -> the returned workbook's name: x.xlsx stays, x.csv becomes x.csv.xlsx."""
    name = faithful(path.name)
    return name if name.lower().endswith(".xlsx") else name + ".xlsx"


def write_returns(
    temuan: pl.DataFrame, raw: Path, tahun: int, triwulan: int, out: Path
) -> list[ReturnedFile]:
    """Findings of a year -> for each bidang with findings in `triwulan`, each file it sent
    that quarter copied to out/<kode_bidang>/ with its faults marked. Raw files are only read.
    """
    if out.resolve().is_relative_to(raw.resolve()):
        raise LkjipError(
            f"folder {faithful(str(out))} berada di dalam folder raw {faithful(str(raw))}; "
            "pilih folder lain agar berkas kembalian tidak terbaca sebagai kiriman"
        )
    quarter = reading_order(temuan.filter(pl.col("triwulan") == triwulan))
    with_findings = set(quarter.get_column("kode_bidang").drop_nulls().to_list())
    written = []
    for sub in discover(raw, tahun, triwulan).submissions:
        if sub.triwulan != triwulan or sub.kode_bidang not in with_findings:
            continue
        rows = quarter.filter(pl.col("kode_bidang") == sub.kode_bidang)
        for path in sub.files:
            target = out / sub.kode_bidang / return_name(path)
            write_return(path, relative(path, raw), rows, target)
            written.append(ReturnedFile(sub.kode_bidang, path, target))
    return written


def source_sheets(path: Path, berkas: str) -> list[tuple[str | None, list[list[object]]]]:
    """Raw file -> its sheets as (name, rows from A1): workbook cells with their own type,
    CSV cells as text; [] for a file that cannot be read (its V001 says why)."""
    result = read_file(path, berkas)
    if result.problem is not None or not result.lembar:
        return []
    if result.lembar[0].lembar is None:  # a CSV: one grid of text cells
        grid = result.lembar[0].grid
        cells = grid_columns(grid)
        rows: list[list[object]] = [[] for _ in range(grid.get_column("baris").max() or 0)]
        for row in grid.select("baris", *cells).iter_rows():
            rows[row[0] - 1] = list(row[1:])
        return [(None, rows)]
    return [(sheet["nama"], sheet.get("baris", [])) for sheet in open_in_child(path)["lembar"]]


def _cells(sel: str | None, baris: int | None, width: int) -> list[tuple[int, int]]:
    """A finding's `sel` ("F12", "D13:D15") or, without one, its whole row -> (row, col)
    indexes from 0, the cell that carries the comment first; [] without a row."""
    if sel:
        ends = [_CELL.match(part.replace("$", "")) for part in sel.split(":")]
        if all(ends):
            (c1, r1), (c2, r2) = [(_column_index(m[1]), int(m[2]) - 1) for m in (ends[0], ends[-1])]
            return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    if baris is None:
        return []
    return [(baris - 1, c) for c in range(max(width, 1))]


def _column_index(letters: str) -> int:
    """Column letters -> index from 0: A -> 0, AA -> 26."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - ord("A") + 1
    return number - 1


def comment_text(row: dict) -> str:
    """A finding -> its cell comment: rule, level, then the message with its fix."""
    return f"{row['aturan']} ({row['tingkat']}): {row['pesan']}"


def _marks(
    rows: pl.DataFrame, berkas: str, names: dict[str | None, str], widths: dict[str, int]
) -> tuple[dict[str, dict], dict[str, dict], dict[str, tuple[str, str]]]:
    """Findings of a bidang -> per sheet {cell: level} to fill, per sheet {anchor cell:
    comment}, and per temuan_id the link to its cell ("internal:'Sheet'!F12")."""
    fills: dict[str, dict] = {n: {} for n in names.values()}
    notes: dict[str, dict] = {n: {} for n in names.values()}
    links: dict[str, tuple[str, str]] = {}
    for row in rows.filter(pl.col("berkas") == berkas).iter_rows(named=True):
        name = names.get(row["lembar"])
        cells = _cells(row["sel"], row["baris"], widths.get(name, 1)) if name else []
        if not cells:
            continue
        for cell in cells:
            if fills[name].get(cell) != ERROR:
                fills[name][cell] = row["tingkat"]
        anchor = cells[0]
        notes[name].setdefault(anchor, []).append(comment_text(row))
        quoted = name.replace("'", "''")
        links[row["temuan_id"]] = (
            f"internal:'{quoted}'!{column_letter(anchor[1] + 1)}{anchor[0] + 1}",
            row["sel"] or f"baris {row['baris']}",
        )
    return fills, notes, links


def write_return(path: Path, berkas: str, rows: pl.DataFrame, target: Path) -> None:
    """One raw file + its bidang's findings -> `target`: "Temuan" first, then the file's
    sheets with every cell at fault filled and commented."""
    sheets = source_sheets(path, berkas)
    taken = {FINDINGS_SHEET}
    names: dict[str | None, str] = {}
    for lembar, _ in sheets:
        label = lembar if lembar is not None else Path(berkas).stem
        names[lembar] = sheet_name(label, taken)
    widths = {names[lembar]: max((len(r) for r in cells), default=0) for lembar, cells in sheets}
    fills, notes, links = _marks(rows, berkas, names, widths)
    book = new_workbook(target)
    formats = {level: book.add_format({"bg_color": color}) for level, color in FILL.items()}
    _write_findings_sheet(book, rows, berkas, links)
    for lembar, cells in sheets:
        name = names[lembar]
        sheet = book.add_worksheet(name)
        _write_cells(sheet, cells, fills[name], formats)
        for (r, c), texts in notes[name].items():
            sheet.write_comment(
                r, c, "\n\n".join(texts), {"author": "lkjip", "x_scale": 4, "y_scale": 3}
            )
    book.close()


def _write_cells(sheet: Worksheet, cells: list[list[object]], fills: dict, formats: dict) -> None:
    """Rows of a source sheet -> the same cells, those at fault filled by their level."""
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            level = fills.get((r, c))
            put(sheet, r, c, value, formats.get(level) if level else None)
    for (r, c), level in fills.items():  # cells at fault outside the values written
        if r >= len(cells) or c >= len(cells[r]):
            sheet.write_blank(r, c, None, formats[level])


FINDINGS_SHEET_COLUMNS = (
    ("aturan", "Aturan", 9),
    ("tingkat", "Tingkat", 11),
    ("", "Buka sel", 14),
    ("berkas", "Berkas", 40),
    ("lembar", "Lembar", 20),
    ("baris", "Baris", 7),
    ("kolom", "Kolom", 22),
    ("pesan", "Pesan dan cara memperbaiki", 90),
    ("temuan_id", "ID temuan", 18),
)


def _write_findings_sheet(
    book: xlsxwriter.Workbook, rows: pl.DataFrame, berkas: str, links: dict
) -> None:
    """A bidang's findings -> the "Temuan" sheet: one line each, a link to its cell where
    it is in this file."""
    sheet = book.add_worksheet(FINDINGS_SHEET)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    bold = book.add_format({"bold": True})
    for c, (column, title, width) in enumerate(FINDINGS_SHEET_COLUMNS):
        sheet.set_column(c, c, width, wrap if column == "pesan" else top)
        sheet.write_string(0, c, title, bold)
    for r, row in enumerate(rows.iter_rows(named=True), start=1):
        for c, (column, _, _) in enumerate(FINDINGS_SHEET_COLUMNS):
            if column:
                put(sheet, r, c, row[column], wrap if column == "pesan" else top)
            elif row["temuan_id"] in links:
                url, shown = links[row["temuan_id"]]
                sheet.write_url(r, c, url, string=shown)
            elif row["berkas"] not in (None, berkas):
                sheet.write_string(r, c, "berkas lain", top)
    sheet.autofilter(0, 0, max(rows.height, 1), len(FINDINGS_SHEET_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
