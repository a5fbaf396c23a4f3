"""Open one workbook with calamine in a process of its own and print its sheets as JSON.

flows/readers.py runs `python -I workbook_child.py <path> <limits as JSON>`. The first
thing this process does is cap its own address space and CPU time: calamine allocates a
sheet's whole rectangle before its size can be asked, so a workbook of a few bytes that
claims a cell at XFD1048576 would take the machine. Here it ends this process only, and
the parent reports the file. Each sheet's size and cells are checked against the limits
before anything is handed back. Of the project it imports only schemas/cells.py (no
polars), so it starts fast.

Output: {"lembar": [sheet, ...]} or {"galat": why, ...} for the whole file; a sheet is
{"nama", "tersembunyi", "baris": rows} or, when refused, {"nama", "tersembunyi", "batas":
which limit, "nilai": the sheet's figure, "alamat": the cell} / {"galat": "baca", ...}.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys

from schemas.cells import column_letter


def limit_resources(memory: int, seconds: int) -> None:
    """Cap this process: address space, CPU seconds, and no core file when it is exceeded."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def cell(value: object) -> object:
    """One calamine value -> JSON-able: dates and times as ISO text, other odd types as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def size_problem(sheet: object, limits: dict) -> dict | None:
    """A loaded sheet -> the limit its rectangle (from A1) passes, or None."""
    if sheet.end is None:
        return None
    rows, columns = sheet.end[0] + 1, sheet.end[1] + 1
    for batas, nilai in (("baris", rows), ("kolom", columns), ("sel", rows * columns)):
        if nilai > limits[batas]:
            return {"batas": batas, "nilai": nilai, "alamat": f"{column_letter(columns)}{rows}"}
    return None


def sheet_rows(sheet: object, limits: dict) -> dict:
    """A loaded sheet -> {"baris": its cells row by row} or the cell longer than the limit."""
    longest = limits["panjang_sel"]
    rows = []
    for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=1):
        out = [cell(v) for v in row]
        for c, value in enumerate(out, start=1):
            if isinstance(value, str) and len(value) > longest:
                return {
                    "batas": "panjang_sel",
                    "nilai": len(value),
                    "alamat": f"{column_letter(c)}{r}",
                }
        rows.append(out)
    return {"baris": rows}


def read_sheet(workbook: object, meta: object, limits: dict) -> dict:
    """One worksheet -> its JSON-able result (cells, or why it was refused)."""
    from python_calamine import SheetVisibleEnum

    head = {"nama": meta.name, "tersembunyi": meta.visible != SheetVisibleEnum.Visible}
    try:
        sheet = workbook.get_sheet_by_name(meta.name)
        return {**head, **(size_problem(sheet, limits) or sheet_rows(sheet, limits))}
    except MemoryError:
        return {**head, "batas": "memori", "nilai": 0, "alamat": ""}
    except Exception as exc:  # calamine raises several error types for broken sheets
        return {**head, "galat": "baca", "rincian": str(exc)}


def zip_problem(path: str, limits: dict) -> dict | None:
    """A zip-based workbook -> why it is refused unopened (too large unpacked, or not an
    .xlsx: .xlsb and .ods cannot be size-checked), or None."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return {"galat": "zip", "rincian": str(exc)}
    total = sum(info.file_size for info in infos)
    if total > limits["isi_zip"]:
        return {"galat": "isi_zip", "nilai": total}
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        return {"galat": "bukan_xlsx"}
    return None


def read_workbook(path: str, limits: dict) -> dict:
    """Workbook path -> {"lembar": [...]} for its worksheets (chart sheets left out)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    refused = zip_problem(path, limits)
    if refused is not None:
        return refused
    try:
        workbook = CalamineWorkbook.from_path(path)
        sheets = [m for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except Exception as exc:  # calamine raises several error types for broken files
        return {"galat": "buka", "rincian": str(exc)}
    if len(sheets) > limits["lembar"]:
        return {"galat": "lembar", "nilai": len(sheets)}
    return {"lembar": [read_sheet(workbook, meta, limits) for meta in sheets]}


def main() -> None:
    """argv: workbook path, limits as JSON -> the workbook's sheets as JSON on stdout."""
    path, limits = sys.argv[1], json.loads(sys.argv[2])
    limit_resources(limits["memori"], limits["detik"])
    result = read_workbook(path, limits)
    sys.stdout.buffer.write(json.dumps(result).encode("ascii"))


if __name__ == "__main__":
    main()
