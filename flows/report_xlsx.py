"""The annual report as a workbook: one sheet per table, laid out as the office prints them.

Numbers stay numbers (an analyst can sum them) with Indonesian number formats; program
and kegiatan rows bold, header rows frozen, A4 landscape print set-up.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import polars as pl
import xlsxwriter

from flows.report_layout import (
    ROMAWI,
    TEXT_KINDS,
    ReportTable,
    column_cells,
    error_note,
    header_rows,
    instansi,
    replace_atomically,
    shown,
    table_specs,
    target_text,
)
from transforms.report_data import AnnualReport

# --- the workbook --------------------------------------------------------------------------------
NUMBER_FORMATS = {
    "uang": "#,##0",
    "selisih": "#,##0;(#,##0)",
    "persen": "#,##0.00",
    "poin": "#,##0.00;(#,##0.00);0.00",
    "angka": "#,##0",
    "angka_desimal": "#,##0.0###",
    "nomor": "0",
}
ROW_STYLES = {
    "program": {"bold": True, "bg_color": "#DDEBF7"},
    "kegiatan": {"bold": True},
    "jenis_belanja": {"bold": True, "bg_color": "#FCE4D6"},
    "sasaran": {"bold": True, "bg_color": "#E2EFDA"},
    "total": {"bold": True, "bg_color": "#D9D9D9", "top": 2},
}
INDENT = {"kegiatan": 1, "sub_kegiatan": 2}


class Formats:
    """xlsxwriter formats of one workbook, made once per (row style, kind, indent)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self._made: dict[tuple, object] = {}

    def get(self, **props: object) -> object:
        """Format properties -> the workbook's format with them (cached)."""
        key = tuple(sorted(props.items()))
        if key not in self._made:
            self._made[key] = self.book.add_format(props)
        return self._made[key]

    def cell(self, row_kind: str, kind: str, value: object) -> object:
        """Row kind + column kind + value -> the cell's format."""
        props: dict[str, object] = {"border": 1, "border_color": "#808080", "valign": "top"}
        props.update(ROW_STYLES.get(row_kind, {}))
        if kind in TEXT_KINDS:
            props["text_wrap"] = True
            if kind == "nama" and row_kind in INDENT:
                props["indent"] = INDENT[row_kind]
        elif isinstance(value, str):
            props["align"] = "center"
        else:
            props["num_format"] = NUMBER_FORMATS[_number_kind(kind, value)]
        return self.get(**props)


def _number_kind(kind: str, value: object) -> str:
    """Column kind + value -> the key of its number format (whole or decimal measures)."""
    if kind in ("angka", "target") and isinstance(value, float):
        return "angka_desimal"
    return "angka" if kind == "target" else kind


def excel_value(value: object, kind: str) -> object:
    """Cell value + kind -> what goes in the cell: int or float for numbers, "-" or text."""
    if kind == "target":
        low, high = value
        if low is None or (high is not None and low != high):
            return target_text(low, high)
        value = low
    if value is None:
        return None if kind in TEXT_KINDS + ("nomor",) else "-"
    if isinstance(value, Decimal):
        # The last step only: a rounded Rupiah or percentage is exact in a binary float.
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _widths(table: ReportTable, frame: pl.DataFrame) -> list[int]:
    """Table + frame -> each column's width in characters, fitted to its longest text."""
    widths = []
    for column in table.columns:
        texts = [shown(v, column.kind) for v in column_cells(frame, column)]
        header = max(len(word) for word in column.title.split())
        longest = max([header, *(len(t) for t in texts)])
        indent = 4 if column.kind == "nama" else 0
        widths.append(max(5, min(column.max_width, longest + 2 + indent)))
    return widths


def _write_title(
    ws, fmt: Formats, table: ReportTable, report: AnnualReport, note: str | None
) -> int:
    """Sheet + table -> title, office and note rows written; returns the first header row."""
    last = len(table.columns) - 1
    ws.merge_range(0, 0, 0, last, table.title, fmt.get(bold=True, font_size=13, align="center"))
    subtitle = f"{instansi(report)} — Tahun Anggaran {report.tahun}"
    ws.merge_range(1, 0, 1, last, subtitle, fmt.get(align="center", font_size=11))
    if note:
        ws.merge_range(
            2,
            0,
            2,
            last,
            note,
            fmt.get(bold=True, font_color="#9C0006", bg_color="#FFC7CE", text_wrap=True),
        )
        width = sum(_widths(table, getattr(report, table.attribute)))
        ws.set_row(2, 15.0 * math.ceil(len(note) * 1.15 / width) + 4)  # bold text runs wider
    else:
        quarter = ROMAWI[report.triwulan]
        source = f"Sumber: tabel terkurasi lkjip, data s.d. Triwulan {quarter} {report.tahun}"
        ws.write(2, 0, source, fmt.get(italic=True, font_color="#595959", font_size=9))
    return 4


def _write_header(ws, fmt: Formats, table: ReportTable, first: int) -> int:
    """Sheet + table + first header row -> header rows written; returns the first data row."""
    style = fmt.get(
        bold=True, align="center", valign="vcenter", text_wrap=True, border=1, bg_color="#BDD7EE"
    )
    rows = header_rows(table.columns)
    col = 0
    while col < len(table.columns):
        column = table.columns[col]
        if column.group is None:
            if rows == 2:
                ws.merge_range(first, col, first + 1, col, column.title, style)
            else:
                ws.write(first, col, column.title, style)
            col += 1
            continue
        span = 1
        while col + span < len(table.columns) and table.columns[col + span].group == column.group:
            span += 1
        if span > 1:
            ws.merge_range(first, col, first, col + span - 1, column.group, style)
        else:
            ws.write(first, col, column.group, style)
        for i in range(span):
            ws.write(first + 1, col + i, table.columns[col + i].title, style)
        col += span
    ws.set_row(first + rows - 1, 45)
    return first + rows


def _row_height(texts: list[str], widths: list[int]) -> float:
    """Row's texts + column widths -> a height (points) that shows every wrapped line."""
    # x 1.15: words wrap whole, so a wrapped cell holds fewer characters than its width
    pairs = zip(texts, widths, strict=True)
    lines = max(math.ceil(len(t) * 1.15 / max(w - 1, 1)) for t, w in pairs)
    return 15.0 * max(1, lines)


def _write_body(ws, fmt: Formats, table: ReportTable, frame: pl.DataFrame, first: int) -> int:
    """Sheet + table + frame -> one row per frame row; returns the row after the last."""
    widths = _widths(table, frame)
    columns = [column_cells(frame, k) for k in table.columns]
    kinds = [table.style(k) for k in frame.get_column("jenis_baris").to_list()]
    for i, row_kind in enumerate(kinds):
        texts = []
        for col, column in enumerate(table.columns):
            value = excel_value(columns[col][i], column.kind)
            ws.write(first + i, col, value, fmt.cell(row_kind, column.kind, value))
            texts.append(shown(columns[col][i], column.kind))
        ws.set_row(first + i, _row_height(texts, widths))
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    return first + len(kinds)


def _set_print(
    ws, table: ReportTable, report: AnnualReport, header_first: int, data_first: int
) -> None:
    """Sheet -> A4 landscape, fit to one page wide, header rows repeated, page numbers."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(header_first, data_first - 1)
    ws.freeze_panes(data_first, 0)
    ws.hide_gridlines(0)
    ws.set_footer(f"&L&8LKjIP {report.tahun} — {table.sheet}&R&8Halaman &P dari &N")


def write_sheet(
    book: xlsxwriter.Workbook, fmt: Formats, table: ReportTable, report: AnnualReport, note
) -> None:
    """Workbook + table spec + report -> one sheet laid out as the office prints it."""
    frame: pl.DataFrame = getattr(report, table.attribute)
    ws = book.add_worksheet(table.sheet)
    header_first = _write_title(ws, fmt, table, report, note)
    data_first = _write_header(ws, fmt, table, header_first)
    after = _write_body(ws, fmt, table, frame, data_first)
    _write_notes(ws, fmt, table, frame, after + 1)
    _set_print(ws, table, report, header_first, data_first)


def _write_notes(ws, fmt: Formats, table: ReportTable, frame: pl.DataFrame, first: int) -> None:
    """Sheet + table -> its footnotes, each merged across the table's width and wrapped."""
    last, width = len(table.columns) - 1, sum(_widths(table, frame))
    style = fmt.get(italic=True, text_wrap=True, valign="top", font_size=9)
    for i, line in enumerate(table.notes):
        text = f"Catatan: {line}" if i == 0 else line
        ws.merge_range(first + i, 0, first + i, last, text, style)
        ws.set_row(first + i, 13.0 * math.ceil(len(text) / max(width, 1)))


def write_xlsx(report: AnnualReport, out: Path, command: str) -> Path:
    """Report + folder -> <out>/lkjip_<tahun>.xlsx, one sheet per table."""

    def write(path: Path) -> None:
        # Text from the sources stays text: a name starting with "=" is not a formula.
        book = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False}
        )
        office = instansi(report)
        book.set_properties({"title": f"LKjIP {report.tahun}", "author": office, "company": office})
        fmt = Formats(book)
        note = error_note(report, command)
        for table in table_specs(report):
            write_sheet(book, fmt, table, report, note)
        book.close()

    return replace_atomically(Path(out) / f"lkjip_{report.tahun}.xlsx", write)
